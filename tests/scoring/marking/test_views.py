"""The marking pages: a marker marks from the queue; the other mark never shows before both are in
(page or JSON); a mark out of range comes back with the error summary and writes nothing."""
from sqlalchemy import func, select

from scoring.marking import services
from scoring.marking.models import Mark, Script
from tests.scoring.marking.conftest import AFTER


def sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def test_a_marker_marks_a_script_from_the_queue(client, db, marking_sitting, team, sit):
    sit(marking_sitting, "I would listen to Jo first.")
    sign_in(client, team["first"])
    queue = client.get(f"/marking/sittings/{marking_sitting.id}/queue")
    assert queue.status_code == 200
    script = db.scalar(select(Script))
    assert script.candidate_number in queue.text and "Test Person" not in queue.text and "@example.org" not in queue.text
    page = client.get(f"/marking/scripts/{script.id}/first")
    assert "I would listen to Jo first." in page.text and "Acknowledges the goals" in page.text
    done = client.post(f"/marking/scripts/{script.id}/first", data={"mark": "2.5", "justification": "Point one made"})
    assert done.status_code == 302
    assert db.scalar(select(Mark.mark)) == 2.5


def test_a_mark_out_of_range_is_shown_beside_the_field_and_nothing_is_written(client, db, marking_sitting, team, sit):
    sit(marking_sitting, "An answer")
    sign_in(client, team["first"])
    client.get(f"/marking/sittings/{marking_sitting.id}/queue")
    script = db.scalar(select(Script))
    for value, message in (("9", "The mark must be between 0 and 4"), ("two", "The mark must be a number")):
        response = client.post(f"/marking/scripts/{script.id}/first", data={"mark": value, "justification": "x"})
        assert response.status_code == 422
        assert "There is a problem" in response.text and message in response.text
    response = client.post(f"/marking/scripts/{script.id}/first", data={"mark": "2", "justification": ""})
    assert "Give a short justification for the mark" in response.text
    assert db.scalar(select(func.count()).select_from(Mark)) == 0


def test_the_other_mark_is_never_shown_before_both_have_marked(client, db, marking_sitting, team, sit):
    attempt = sit(marking_sitting, "An answer")
    services.sync_scripts(db, marking_sitting.id, AFTER)
    script = db.scalar(select(Script).where(Script.attempt_id == attempt.id))
    services.give_mark(db, team["first"].actor, script.id, "first", 3.5, "UNIQUE-FIRST-JUSTIFICATION", AFTER)
    sign_in(client, team["second"])
    for url in (f"/marking/scripts/{script.id}/marks", f"/marking/scripts/{script.id}/first"):
        for headers in ({}, {"Accept": "application/json"}):
            response = client.get(url, headers=headers)
            assert response.status_code in (403, 404)
            assert "UNIQUE-FIRST" not in response.text and "3.5" not in response.text
    page = client.get(f"/marking/scripts/{script.id}/second")
    assert page.status_code == 200 and "UNIQUE-FIRST" not in page.text and "3.5" not in page.text
    client.post(f"/marking/scripts/{script.id}/second", data={"mark": "3", "justification": "Most points"})
    both = client.get(f"/marking/scripts/{script.id}/marks")
    assert both.status_code == 200 and "UNIQUE-FIRST-JUSTIFICATION" in both.text


def test_the_lead_sees_progress_and_moderation_and_allocates(client, db, marking_sitting, team, sit, make_user):
    from core.roles import Role

    sit(marking_sitting, "An answer")
    sign_in(client, team["lead"])
    assert "Written answers to mark" in client.get(f"/marking/sittings/{marking_sitting.id}/progress").text
    assert "Seed a script" in client.get(f"/marking/sittings/{marking_sitting.id}/moderation").text
    newcomer = make_user(Role.EXAMINER, name="New Marker")
    response = client.post(f"/marking/sittings/{marking_sitting.id}/allocations",
                           data={"allocate-examiner": str(newcomer.id), "allocate-pool": "second"})
    assert response.status_code == 302
    assert "New Marker" in client.get(f"/marking/sittings/{marking_sitting.id}/allocations").text
    sign_in(client, team["first"])
    assert client.get(f"/marking/sittings/{marking_sitting.id}/progress").status_code == 403


def test_cop_marking_progress_prints_the_numbers(runner, db, marking_sitting, team, sit):
    import json

    sit(marking_sitting, "An answer")
    result = runner.invoke(args=["marking", "progress", "--sitting", str(marking_sitting.id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"sitting": marking_sitting.id, "answers": 1, "unmarked": 1, "marked_once": 0,
                                         "marked_twice": 0, "awaiting_third": 0, "resolved": 0}
