"""``cop eligibility check``: the decision as JSON, a list for a list, one line and exit status 2 for bad input."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessment.eligibility import rules

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "docs" / "examples" / "eligibility-facts.json"
AVAILABLE = "2027-09-01"

ELIGIBLE = {"current_role": "cm", "experience": [{"role": "cm", "years": 4, "fte": 1, "country": "UK"}],
            "uk_share": 1, "competent": True, "standards": True, "member": "CMSUK"}


@pytest.fixture
def cli(app):
    app.config["ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM"] = AVAILABLE
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["eligibility", "check", *map(str, args)])

    return invoke


def write(tmp_path: Path, content, name: str = "facts.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_one_object_gives_one_decision(cli, tmp_path):
    result = cli(write(tmp_path, ELIGIBLE), "--date", "2026-12-06")
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision == rules.check(ELIGIBLE, on=dt.date(2026, 12, 6), certificate_available_from=dt.date(2027, 9, 1))
    assert decision["eligible"] is True and decision["route"] == "5000_cm_hours"
    assert result.stdout.startswith('{\n  "eligible": true,')  # indented by two
    assert result.stderr == ""


def test_a_list_gives_a_list_in_the_same_order(cli, tmp_path):
    cases = [ELIGIBLE, {**ELIGIBLE, "member": None}, {**ELIGIBLE, "uk_share": 0.2}]
    result = cli(write(tmp_path, cases), "--date", "2026-12-06")
    assert result.exit_code == 0, result.output
    decisions = json.loads(result.stdout)
    assert [d["outcome"] for d in decisions] == ["eligible", "not_eligible", "not_eligible"]
    assert [d["unmet"] for d in decisions] == [[], ["membership"], ["uk"]]
    assert json.loads(cli(write(tmp_path, []), "--date", "2026-12-06").stdout) == []


def test_the_date_chooses_the_rules_from_the_configured_day(cli, app, tmp_path):
    path = write(tmp_path, ELIGIBLE)
    assert json.loads(cli(path, "--date", "2027-08-31").stdout)["rules"] == "pre_certificate"
    after = json.loads(cli(path, "--date", AVAILABLE).stdout)
    assert after["rules"] == "post_certificate" and after["unmet"] == ["certificate"]
    app.config["ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM"] = "2026-01-01"
    assert json.loads(cli(path, "--date", "2026-12-06").stdout)["rules"] == "post_certificate"


def test_rules_option_wins_over_date_and_facts(cli, tmp_path):
    path = write(tmp_path, {**ELIGIBLE, "rules": "post_certificate"})
    assert json.loads(cli(path, "--date", "2026-12-06").stdout)["rules"] == "post_certificate"
    chosen = json.loads(cli(path, "--date", "2028-01-01", "--rules", "pre_certificate").stdout)
    assert chosen["rules"] == "pre_certificate" and chosen["eligible"] is True


def test_without_a_date_it_is_today_in_the_uk(cli, clock, tmp_path):
    path = write(tmp_path, ELIGIBLE)
    clock.set(dt.datetime(2027, 8, 31, 22, 30, tzinfo=dt.timezone.utc))  # 23:30 on 31 August in London
    assert json.loads(cli(path).stdout)["rules"] == "pre_certificate"
    clock.set(dt.datetime(2027, 8, 31, 23, 30, tzinfo=dt.timezone.utc))  # already 1 September in London
    assert json.loads(cli(path).stdout)["rules"] == "post_certificate"


def test_the_documented_example_runs(cli):
    result = cli(EXAMPLE, "--date", "2026-12-06")
    assert result.exit_code == 0, result.output
    outcomes = [d["outcome"] for d in json.loads(result.stdout)]
    assert outcomes == ["eligible", "more_evidence_needed", "not_eligible"]


@pytest.mark.parametrize(("content", "args", "message"), [
    (None, (), "no such file"),
    ("{\"current_role\": ", (), "not valid JSON (line 1, column 18"),
    ('{"uk_share": NaN}', (), "not valid JSON (NaN is not a JSON number)"),
    ({**ELIGIBLE, "uk_share": 2}, (), "uk_share must be between 0 and 1 (got 2)."),
    ({**ELIGIBLE, "years": 4}, (), "years is not a field of the facts"),
    ([ELIGIBLE, ELIGIBLE, {**ELIGIBLE, "experience": [{"role": "cm", "years": 1, "fte": 2, "country": "UK"}]}],
     (), "case 3 of 3: experience[0].fte must be more than 0 and at most 1"),
    ([ELIGIBLE, "facts"], (), "case 2 of 2: The facts must be a JSON object, not text"),
    (ELIGIBLE, ("--date", "6/12/2026"), "--date must be a date as YYYY-MM-DD (got \"6/12/2026\")"),
    (ELIGIBLE, ("--rules", "initial"), "--rules must be one of pre_certificate, post_certificate"),
], ids=["missing", "broken-json", "nan", "bad-field", "unknown-key", "bad-case-in-list", "not-object-in-list",
        "bad-date", "bad-rules"])
def test_bad_input_gives_one_line_on_stderr_and_exit_status_2(cli, tmp_path, content, args, message):
    path = tmp_path / "missing.json" if content is None else write(tmp_path, content)
    result = cli(path, *args, *(("--date", "2026-12-06") if "--date" not in args else ()))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_folder_and_a_bad_configured_date_are_one_line_too(cli, app, tmp_path):
    result = cli(tmp_path, "--date", "2026-12-06")
    assert result.exit_code == 2 and "is a folder, not a file" in result.stderr
    app.config["ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM"] = "next autumn"
    result = cli(write(tmp_path, ELIGIBLE), "--date", "2026-12-06")
    assert result.exit_code == 2
    assert "ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM must be a date as YYYY-MM-DD" in result.stderr


def test_through_a_real_process(tmp_path):
    """The installed ``cop`` points at the main checkout, so run this checkout's entry point the same way."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COP_SECRET_KEY": "test-secret",
           "COP_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
           "COP_ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM": "2027-09-01"}
    command = [sys.executable, "-c", "from assessment.cli import main; main()", "eligibility", "check"]
    done = subprocess.run([*command, str(EXAMPLE), "--date", "2027-09-01"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [d["rules"] for d in json.loads(done.stdout)] == ["post_certificate"] * 3
    bad = write(tmp_path, {**ELIGIBLE, "member": "BABCIM"})
    done = subprocess.run([*command, str(bad)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"Error: {bad}: member must be one of BABICM, CMSUK, VRA, or null (got \"BABCIM\").\n"


def test_the_decision_shown_in_the_guide_is_what_the_command_prints(cli):
    guide = (REPO / "docs" / "eligibility.md").read_text(encoding="utf-8")
    shown = json.loads(guide.split("```json", 1)[1].split("```", 1)[0])
    printed = json.loads(cli(EXAMPLE, "--date", "2026-12-06").stdout)
    assert printed[1] == shown
