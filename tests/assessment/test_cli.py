import json

from sqlalchemy import func, select

from assessment.accounts.models import User
from core.roles import Role


def test_users_create_and_grant(runner, db):
    result = runner.invoke(args=["users", "create", "new@example.org", "--role", "examiner", "--role",
                                 "item_reviewer", "--password", "a long enough password"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "new@example.org"))
    assert user.roles == {Role.EXAMINER, Role.ITEM_REVIEWER}
    result = runner.invoke(args=["users", "grant", "new@example.org", "admin"])
    assert result.exit_code == 0
    db.expire_all()
    assert Role.ADMIN in db.get(User, user.id).roles


def test_bad_input_gives_one_line_and_a_non_zero_exit(runner, db):
    cases = [
        (["users", "grant", "missing@example.org", "admin"], "There is no account for missing@example.org."),
        (["users", "create", "x@example.org", "--role", "pilot", "--password", "a long enough password"],
         "Invalid value for '--role'"),
        (["users", "create", "bad-email", "--role", "candidate", "--password", "a long enough password"],
         "correct format"),
        (["users", "create", "y@example.org", "--role", "candidate", "--password", "short"], "12 characters"),
        (["framework", "show", "--version", "1999"], "There is no version 1999"),
        (["framework", "import", "/no/such/file.json"], "no such file"),
    ]
    for args, expected in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_framework_import_rejects_an_invalid_file(runner, db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"name": "S", "version": "x", "themes": []', encoding="utf-8")
    result = runner.invoke(args=["framework", "import", str(path)])
    assert result.exit_code == 1 and "not valid JSON" in result.output
    path.write_text(json.dumps({"name": "S", "version": "x", "themes": [{"code": "A", "title": "T", "standards": [
        {"number": 1, "title": "One", "statement": "s", "substandards": [{"code": "1.2", "text": "t"}]}]}]}),
        encoding="utf-8")
    result = runner.invoke(args=["framework", "import", str(path)])
    assert result.exit_code == 1
    assert "sub-standard 1 should be coded '1.1'" in result.output


def test_demo_load_is_idempotent(runner, db):
    first = runner.invoke(args=["demo", "load", "--password", "demo password 123"])
    assert first.exit_code == 0, first.output
    assert "admin@example.org" in first.output
    users = db.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert "already loaded" in second.output
    from assessment.demo import DEMO_ACCOUNTS
    from assessment.demo_scoring import N_CANDIDATES
    from assessment.eligibility.applications.demo import APPLICANTS
    from assessment.eligibility.register.demo import REGISTRANTS
    # The demo accounts, the finished sitting's simulated candidates and the registration demo's
    # applicants and registrants, once each.
    assert db.scalar(select(func.count()).select_from(User)) == users == (
        len(DEMO_ACCOUNTS) + N_CANDIDATES + len(APPLICANTS) + len(REGISTRANTS))
    from assessment.eligibility.models import Application, ApplicationStatus
    statuses = set(db.scalars(select(Application.status)))
    assert {ApplicationStatus.DRAFT, ApplicationStatus.AWAITING_THIRD_ASSESSOR, ApplicationStatus.REGISTERED,
            ApplicationStatus.REFUSED, ApplicationStatus.UNDER_APPEAL,
            ApplicationStatus.INFORMATION_REQUESTED} <= statuses
    examiner = db.scalar(select(User).where(User.email == "examiner@example.org"))
    assert examiner.roles == {Role.EXAMINER, Role.ITEM_REVIEWER}
    from item_bank.models import CaseStudy, CaseStudyVersion, Item
    from item_bank.workflow import Status
    assert db.scalar(select(func.count()).select_from(CaseStudy)) == 13
    assert db.scalar(select(func.count()).select_from(Item)) == 71
    statuses = db.scalars(select(CaseStudyVersion.status)).all()
    assert statuses.count(Status.APPROVED) == 9 and statuses.count(Status.IN_REVIEW) == 2
    assert db.scalar(select(func.max(CaseStudyVersion.number))) == 2  # one case study has two versions


def test_demo_load_generates_and_prints_a_password_when_none_given(runner, db):
    result = runner.invoke(args=["demo", "load", "--without-scored-sitting"])
    assert result.exit_code == 0
    assert "Password for the accounts created now:" in result.output
    assert "(the one you gave)" not in result.output


def test_db_current_reports_revisions(runner):
    result = runner.invoke(args=["db", "current"])
    assert result.exit_code == 0 and "head:" in result.output
