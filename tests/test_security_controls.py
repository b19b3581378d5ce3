"""OWASP ASVS 4.0.3 level-2 controls that no feature's own tests already prove. docs/security.md maps
every control to a test; these are the ones that belong to the platform as a whole (headers, cookies,
errors, what the code never does)."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.roles import Role
from tests.cop_testing import TEST_PASSWORD

REPO = Path(__file__).resolve().parents[1]
APP_PACKAGES = ("core", "item_bank", "assessment", "proctoring", "scoring")


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / line for line in out.stdout.splitlines() if line]


def app_sources() -> list[Path]:
    return [path for path in tracked(*(f"{package}/*.py" for package in APP_PACKAGES)) if path.exists()]


def sign_in(client, email):
    return client.post("/login", data={"email": email, "password": TEST_PASSWORD})


# --- V3: sessions ------------------------------------------------------------------------------------


def test_signing_in_issues_a_new_session_cookie_and_one_set_before_grants_nothing(client, db, make_user):
    person = make_user(Role.CANDIDATE)
    client.get("/login")
    before = client.get_cookie("session")
    planted = before.value if before else None
    sign_in(client, person.email)
    after = client.get_cookie("session").value
    assert after != planted
    # A cookie an attacker planted before the sign-in (session fixation) is not the signed-in one.
    attacker = client.application.test_client()
    if planted:
        attacker.set_cookie("session", planted)
    assert attacker.get("/dashboard").status_code == 302


def test_the_session_is_never_taken_from_the_address(app, client, db, make_user):
    person = make_user(Role.CANDIDATE)
    signed_in = app.test_client()
    sign_in(signed_in, person.email)
    cookie = signed_in.get_cookie("session").value
    assert client.get(f"/dashboard?session={cookie}").status_code == 302


def test_over_https_the_session_cookie_is_secure_httponly_lax_and_host_only(tmp_path):
    from assessment.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'https.sqlite3'}", "SECRET_KEY": "test-secret",
                      "SESSION_COOKIE_SECURE": True})
    try:
        client = app.test_client()
        response = client.get("/login", base_url="https://localhost")  # the form's token opens a session
        set_cookie = response.headers.get("Set-Cookie", "")
        assert set_cookie.startswith("__Host-session=")
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
        assert "Path=/" in set_cookie and "Domain=" not in set_cookie
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        app.extensions["cop.db"].engine.dispose()


def test_session_cookies_are_signed_with_a_key_of_at_least_256_bits(tmp_path):
    from itsdangerous import BadSignature

    from assessment.config import load_config

    key = load_config(tmp_path, environ={})["SECRET_KEY"]
    assert len(key.encode()) * 6 // 8 >= 32  # url-safe base64: 6 bits a character
    from flask.sessions import SecureCookieSessionInterface
    from flask import Flask

    flask_app = Flask("probe")
    flask_app.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(flask_app)
    token = serializer.dumps({"_user_id": "1:0"})
    with pytest.raises(BadSignature):
        serializer.loads(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])


# --- V7: errors and logs -----------------------------------------------------------------------------


def test_an_unexpected_error_shows_a_plain_message_with_a_reference_and_logs_the_trace(database_url, db, caplog):
    from assessment.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"})
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("a secret detail that must not reach the page")

    app.add_url_rule("/probe/broken", "probe_broken", broken)
    app.add_url_rule("/api/v1/probe/broken", "probe_broken_api", broken)
    try:
        with caplog.at_level("ERROR"):
            page = app.test_client().get("/probe/broken")
            api = app.test_client().get("/api/v1/probe/broken")
        assert page.status_code == 500 and api.status_code == 500
        text = page.get_data(as_text=True)
        assert "secret detail" not in text and "Traceback" not in text and "RuntimeError" not in text
        reference = re.search(r"quote reference ([0-9A-F]{8})", text).group(1)
        assert "secret detail" not in api.get_data(as_text=True)
        assert re.fullmatch(r"[0-9A-F]{8}", api.get_json()["reference"])
        assert f"reference {reference}" in caplog.text and "a secret detail" in caplog.text
    finally:
        app.extensions["cop.db"].engine.dispose()


def test_passwords_never_reach_the_log_or_the_audit_trail(client, db, make_user, caplog):
    from core.audit import AuditEntry

    person = make_user(Role.CANDIDATE)
    with caplog.at_level("DEBUG"):
        client.post("/login", data={"email": person.email, "password": "a wrong password guess"})
        sign_in(client, person.email)
    assert TEST_PASSWORD not in caplog.text and "a wrong password guess" not in caplog.text
    for entry in db.scalars(select(AuditEntry)):
        row = repr((entry.before_summary, entry.after_summary, entry.target_id, entry.action))
        assert TEST_PASSWORD not in row and "wrong password" not in row and "$argon2" not in row


def test_debug_mode_is_off_unless_asked_for(tmp_path):
    from assessment.config import load_config

    assert not load_config(tmp_path, environ={}).get("DEBUG")
    from assessment.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
    try:
        assert app.debug is False and app.testing is False
    finally:
        app.extensions["cop.db"].engine.dispose()


# --- V14: headers and the surface --------------------------------------------------------------------


def test_every_answer_names_its_type_and_text_carries_utf8(client, db, login_as):
    login_as(Role.ADMIN)
    for path in ("/", "/dashboard", "/framework", "/no-such-page", "/api/v1/framework", "/static/css/app.css",
                 "/api/v1/openapi.json", "/healthz"):
        response = client.get(path)
        content_type = response.headers.get("Content-Type", "")
        response.close()
        assert content_type, path
        if content_type.startswith("text/"):
            assert "charset=utf-8" in content_type.lower(), (path, content_type)


def test_api_json_is_a_download_if_opened_directly_and_pages_are_not(client, db):
    api = client.get("/api/v1/framework")
    assert api.headers["Content-Disposition"] == 'attachment; filename="api.json"'
    assert "Content-Disposition" not in client.get("/framework").headers


def test_an_api_write_with_a_body_of_another_type_is_415_before_the_view_runs(client, db, login_as):
    login_as(Role.ITEM_WRITER)
    before = _count_case_studies(db)
    response = client.post("/api/v1/item-bank/case-studies", data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.get_json()["error"] == "Send the body as JSON (Content-Type: application/json)."
    response = client.post("/api/v1/item-bank/case-studies", data="<xml/>", content_type="text/xml")
    assert response.status_code == 415
    assert _count_case_studies(db) == before


def _count_case_studies(db):
    from item_bank.models import CaseStudy

    return db.scalar(select(func.count()).select_from(CaseStudy))


def test_no_cross_origin_sharing_is_offered_to_any_origin(client, db):
    for origin in ("https://evil.example", "null"):
        response = client.get("/api/v1/framework", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers
        preflight = client.open("/api/v1/framework", method="OPTIONS",
                                headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_no_answer_names_the_server_software_or_its_version(client, db):
    for path in ("/", "/no-such-page", "/static/css/app.css", "/api/v1/framework"):
        response = client.get(path)
        response.close()
        assert "Server" not in response.headers and "X-Powered-By" not in response.headers
        assert "Werkzeug" not in response.get_data(as_text=True) if not path.startswith("/static") else True


def test_no_folder_is_listed_and_no_repository_or_source_file_is_served(client, db):
    for path in ("/static/", "/static/js/", "/.git/config", "/static/../pyproject.toml", "/static/%2e%2e/README.md",
                 "/instance/secret_key", "/assessment/app.py", "/static/css/app.css.bak", "/static/js/player/"):
        response = client.get(path)
        response.close()
        assert response.status_code == 404, path


def test_the_static_folder_holds_only_what_a_browser_needs():
    kinds = {path.suffix for path in tracked("static")}
    assert kinds <= {".css", ".js", ".svg", ".png", ".woff2", ".ico"}, kinds


def test_no_page_loads_script_style_or_font_from_another_origin():
    for template in tracked("templates"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']\s*(https?:)?//""", source.replace('href="https://', 'LINK')), template


# --- What the code never does (V5, V6, V10) ----------------------------------------------------------


def _calls(path: Path) -> list[tuple[str, ast.Call]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func_node = node.func
            name = func_node.attr if isinstance(func_node, ast.Attribute) else getattr(func_node, "id", "")
            found.append((name, node))
    return found


def test_no_dynamic_code_or_unsafe_deserialisation_in_the_application():
    allowed_exec = {REPO / "assessment" / "config.py"}  # the operator's own instance/config.py
    for path in app_sources():
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from)\s+(pickle|marshal|shelve|dill)\b", source, re.M), path
        assert "yaml.load(" not in source, path
        for name, _node in _calls(path):
            assert name != "eval", path
            assert name != "exec" or path in allowed_exec, path
    for script in tracked("static/js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new Function\s*\(|setTimeout\s*\(\s*['\"]", source), script


def test_no_shell_is_ever_started_and_commands_are_argument_lists():
    for path in app_sources():
        for name, node in _calls(path):
            assert name not in ("system", "popen"), (path, name)
            for keyword in node.keywords:
                if keyword.arg == "shell":
                    assert isinstance(keyword.value, ast.Constant) and keyword.value.value is False, path


def test_sql_is_never_built_from_strings():
    """Queries go through SQLAlchemy with bound parameters; ``text()`` only ever takes a literal."""
    for path in app_sources():
        for name, node in _calls(path):
            if name == "text" and node.args:
                assert isinstance(node.args[0], ast.Constant), (path, ast.unparse(node))
            if name in ("execute", "exec_driver_sql") and node.args:
                first = node.args[0]
                assert not isinstance(first, (ast.JoinedStr, ast.BinOp)), (path, ast.unparse(node))


def test_secrets_tokens_and_shuffles_come_from_the_operating_systems_generator():
    """Tokens use ``secrets``; the one ``random.Random`` that matters (the option shuffle) is seeded
    from ``secrets``; the rest of ``random`` is simulation and demo data."""
    allowed_random = {
        "assessment/delivery/services.py": "the option shuffle, seeded from secrets (checked below)",
        "item_bank/item_types.py": "takes the generator it is given",
        "item_bank/authoring/queries.py": "a writer's preview: the same order each time on purpose",
        "assessment/demo_scoring.py": "demo data", "assessment/results/demo.py": "demo data",
        "proctoring/demo.py": "demo data", "scoring/standard_setting/demo.py": "demo data",
    }
    for path in app_sources():
        relative = path.relative_to(REPO).as_posix()
        source = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import random|from random import)", source, re.M):
            assert relative in allowed_random or relative.startswith("scoring/psychometrics/"), relative
    shuffle = (REPO / "assessment/delivery/services.py").read_text(encoding="utf-8")
    assert "random.Random(secrets.randbits(64))" in shuffle
    for path in app_sources():
        for name, node in _calls(path):
            if name in ("uuid1",):
                pytest.fail(f"{path}: uuid1 leaks the host and time; use uuid4 or secrets")


def test_no_private_key_or_real_secret_is_in_the_repository():
    pattern = re.compile(r"-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----|AKIA[0-9A-Z]{16}|xox[bap]-[0-9A-Za-z-]{10,}")
    for path in tracked():
        if not path.is_file() or path.suffix in (".png", ".jpg", ".gz", ".zip", ".pdf", ".woff2", ".sqlite3"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        assert not pattern.search(text), path
    assert not [p for p in tracked() if p.name in ("secret_key", ".env") or p.suffix in (".pem", ".key")]


def test_a_fresh_database_has_no_account_at_all(app, db):
    """No default or shared account ships: every account is made by a person or by ``cop demo load``."""
    from assessment.accounts.models import User

    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_every_refused_access_is_logged_with_who_what_and_where(client, db, login_as, caplog):
    person = login_as(Role.CANDIDATE)
    with caplog.at_level("WARNING"):
        assert client.get("/admin/users").status_code == 403
        assert client.post("/api/v1/item-bank/case-studies", json={}).status_code == 403
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Access refused")]
    assert refused == [f"Access refused (403): GET /admin/users by user {person.id} from 127.0.0.1",
                       f"Access refused (403): POST /api/v1/item-bank/case-studies by user {person.id} from 127.0.0.1"]
    anonymous = client.application.test_client()
    with caplog.at_level("WARNING"):
        assert anonymous.get("/api/v1/attempts/1").status_code == 401
    assert "Access refused (401): GET /api/v1/attempts/1 by a signed-out visitor" in caplog.text


def test_a_forged_line_in_the_address_stays_on_one_line_of_the_log(client, db, login_as, caplog):
    login_as(Role.CANDIDATE)
    with caplog.at_level("WARNING"):
        client.get("/admin/users?x=%0A2026-12-06 INFO admin signed in%0D")
    lines = [r.getMessage() for r in caplog.records if "Access refused" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and "\r" not in lines[0]
    assert "%0A2026-12-06 INFO admin signed in%0D" in lines[0]  # the query stays as it was sent
    from core.web import log_safe

    assert log_safe("/a\nforged line\r\x1b[31m\u2028") == "/a\\x0aforged line\\x0d\\x1b[31m\\u2028"
    assert log_safe("x" * 400).endswith("…") and len(log_safe("x" * 400)) == 301


def test_password_fields_let_managers_fill_and_paste(client, db):
    """ASVS V2.1.11 and V8.3.1: each password field says what it holds, so a manager can fill it; no
    script stops a paste; passwords travel in a POST body, never the address."""
    for path, fields in (("/login", {"password": "current-password"}),
                         ("/register", {"password": "new-password", "confirm_password": "new-password"})):
        page = client.get(path).get_data(as_text=True)
        assert re.search(r'<form[^>]*method="post"', page), path
        for name, autocomplete in fields.items():
            tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
            assert 'type="password"' in tag and f'autocomplete="{autocomplete}"' in tag, tag
    for script in tracked("static/js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"""['"]paste['"][^;]*preventDefault|onpaste""", source), script
    assert client.get("/login?email=a@example.org&password=guessed").status_code == 200  # never read from there
