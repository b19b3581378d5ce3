"""``cop invigilation analyse``: one attempt, one sitting, or the open sittings; one line per
invigilation; bad input is one line and an exit status."""
from __future__ import annotations

from proctoring.flags import queries
from proctoring.rules import FlagKind, LogKind

from tests.proctoring.flags.conftest import at


def _setup(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 300)
    for s in (60, 90, 120):
        scene.snapshot(s, frames["cat"])
    scene.row(LogKind.PASTE, 200)
    scene.db.flush()
    return scene


def test_analyse_an_attempt_then_again(runner, clock, make_scene, frames):
    scene = _setup(make_scene, frames)
    clock.set(at(300))
    result = runner.invoke(args=["invigilation", "analyse", "--attempt", str(scene.attempt.id)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"invigilation {scene.invigilation.id} (attempt {scene.attempt.id}): 3 snapshots counted, 2 new flags",
        "1 invigilation analysed, 2 new flags."]
    assert [f.flag.kind for f in queries.flags_of(scene.db, scene.invigilation.id)] == [FlagKind.NO_FACE,
                                                                                         FlagKind.COPY_PASTE]
    again = runner.invoke(args=["invigilation", "analyse", "--attempt", str(scene.attempt.id)])
    assert again.output.splitlines()[-1] == "1 invigilation analysed, 0 new flags."


def test_analyse_a_sitting_and_the_open_sittings(runner, clock, make_scene, frames):
    scene = _setup(make_scene, frames)
    clock.set(at(300))
    result = runner.invoke(args=["invigilation", "analyse", "--sitting", str(scene.attempt.sitting_id)])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "1 invigilation analysed, 2 new flags."
    opened = runner.invoke(args=["invigilation", "analyse", "--open"])
    assert opened.exit_code == 0 and opened.output.splitlines()[-1] == "1 invigilation analysed, 0 new flags."
    clock.set(at(60 * 60 * 24 * 3))  # days after the sitting closed: not an open sitting any more
    later = runner.invoke(args=["invigilation", "analyse", "--open"])
    assert later.output.splitlines() == ["0 invigilations analysed, 0 new flags."]


def test_bad_input_is_one_line(runner, clock, make_scene, frames):
    scene = _setup(make_scene, frames)
    neither = runner.invoke(args=["invigilation", "analyse"])
    assert neither.exit_code == 2 and "Give exactly one of --attempt ID, --sitting ID or --open." in neither.output
    both = runner.invoke(args=["invigilation", "analyse", "--open", "--sitting", "1"])
    assert both.exit_code == 2
    missing = runner.invoke(args=["invigilation", "analyse", "--attempt", "999999"])
    assert missing.exit_code == 1 and missing.output.strip() == "Error: There is no such attempt."
    no_sitting = runner.invoke(args=["invigilation", "analyse", "--sitting", "999999"])
    assert no_sitting.exit_code == 1 and no_sitting.output.strip() == "Error: There is no such sitting."
    assert scene  # the scene exists; nothing was analysed
