"""The repository stands on its own, and a few house rules that no other test holds.

- Nothing tracked reads the team's reference folder beside the checkout (the parent's ``shared``): a clone on
  a machine without it must still pass. A test that went back to reading it would pass on a
  developer's machine that has the folder, so the rule is checked on the text of every tracked file.
- One ``CandidateItemSchema``: the only dump of an item for a candidate's browser, so that no second
  copy can drift and leak a key or a rubric.
"""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Written in pieces so that this file does not name the folder itself.
PARENT, FOLDER = "..", "share" "d"
REFERENCE_FOLDER = re.compile(rf"\.\./{FOLDER}\b|/work/{FOLDER}\b")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return [REPO / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_reads_the_reference_folder_beside_the_checkout():
    offenders = []
    for path in tracked_files():
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary data sets
        offenders += [f"{path.relative_to(REPO)}:{n}" for n, line in enumerate(text.splitlines(), 1)
                      if REFERENCE_FOLDER.search(line)]
    assert offenders == []


def test_the_probe_would_catch_a_path_into_the_reference_folder():
    assert REFERENCE_FOLDER.search(f'DATA = Path("{PARENT}/{FOLDER}/psychometrics/sat12.csv")')
    assert REFERENCE_FOLDER.search(f"cat /work/{FOLDER}/qti/imsqti_v2p2.xsd")
    assert not REFERENCE_FOLDER.search(f"{FOLDER}_folder = tmp_path / {FOLDER!r}")


def test_there_is_one_candidate_item_schema():
    found = []
    for path in tracked_files():
        if path.suffix != ".py" or "tests" in path.relative_to(REPO).parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [str(path.relative_to(REPO)) for node in ast.walk(tree)
                  if isinstance(node, ast.ClassDef) and node.name == "CandidateItemSchema"]
    assert found == ["item_bank/exchange/schemas.py"]
