"""Static files and text answers for a slow link (core/assets.py): versioned URLs cached for a year,
the module graph versioned through its imports, gzip where it is safe and never where it is not."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re

import pytest
from flask import Response, send_file, stream_with_context, url_for

from core.assets import IMMUTABLE, StaticAssets
from core.roles import Role

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def static_url(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def fetch(client, url: str, **kwargs):
    response = client.get(url, **kwargs)
    response.close()
    return response


def body_of(response) -> bytes:
    data = response.get_data()
    return gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data


# --- versioned URLs and caching -------------------------------------------------------------------

def test_a_static_url_carries_the_hash_of_the_file_and_is_then_kept_for_a_year(app, client):
    url = static_url(app, "css/app.css")
    on_disk = (app.static_folder + "/css/app.css")
    with open(on_disk, "rb") as handle:
        expected = hashlib.sha256(handle.read()).hexdigest()[:12]
    assert url == f"/static/css/app.css?v={expected}"
    assert fetch(client, url).headers["Cache-Control"] == IMMUTABLE


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v=123456789012", "?v=not-a-version"])
def test_without_the_current_version_a_static_file_is_revalidated_not_kept(client, query):
    response = fetch(client, f"/static/css/app.css{query}")
    assert response.status_code == 200  # an all-digit version is a version, not an out-of-range number
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]


def test_a_missing_static_file_is_not_found(client):
    assert fetch(client, "/static/css/no-such-file.css").status_code == 404
    assert fetch(client, "/static/../core/web.py").status_code == 404


def test_a_conditional_request_for_an_unchanged_file_is_answered_304(client, app):
    url = static_url(app, "js/player/main.js")
    for headers in ({}, GZIP):
        first = fetch(client, url, headers=headers)
        again = fetch(client, url, headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["Cache-Control"] == IMMUTABLE and again.headers["ETag"] == first.headers["ETag"]
    plain = fetch(client, url).headers["ETag"]
    squeezed = fetch(client, url, headers=GZIP).headers["ETag"]
    assert plain != squeezed  # two representations, two strong ETags
    # The plain file's ETag does not match its gzip: a cache holding one is not handed the other.
    assert fetch(client, url, headers={**GZIP, "If-None-Match": plain}).status_code == 200


def test_a_static_file_does_not_vary_with_the_cookie_even_for_a_signed_in_person(client, login_as, app):
    login_as(Role.CANDIDATE)
    response = fetch(client, static_url(app, "css/app.css"), headers=GZIP)
    assert response.headers["Vary"] == "Accept-Encoding"
    assert "Set-Cookie" not in response.headers and "no-store" not in response.headers["Cache-Control"]


def test_module_imports_are_rewritten_to_the_versioned_urls_the_page_preloads(app, client):
    main = fetch(client, static_url(app, "js/player/main.js")).get_data(as_text=True)
    imports = re.findall(r"from '(\./[a-z]+\.js\?v=[0-9a-f]{12})'", main)
    assert len(imports) >= 5
    for specifier in imports:
        name = specifier.split("?")[0][2:]
        assert "/static/js/player/" + specifier[2:] == static_url(app, f"js/player/{name}")
    # Loaded only when needed, but versioned all the same.
    assert re.search(r"import\('\./invigilation\.js\?v=[0-9a-f]{12}'\)", main)
    with app.test_request_context():
        from core.assets import static_module_preloads
        preloads = static_module_preloads("js/player/main.js")
    assert {"/static/js/player/" + s[2:] for s in imports} <= set(preloads)
    assert not any("invigilation" in url for url in preloads)


def test_a_module_gets_a_new_version_when_anything_it_imports_changes(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js").write_text("import { a } from './a.js';\nimport('./lazy.js');\n")
    (tmp_path / "js" / "a.js").write_text("import { b } from \"../b.js\";\nexport const a = b;\n")
    (tmp_path / "b.js").write_text("export const b = 1;\n")
    (tmp_path / "js" / "lazy.js").write_text("export const lazy = 1;\n")
    assets = StaticAssets(tmp_path, recheck_s=0)
    before = {name: assets.version(name) for name in ("js/main.js", "js/a.js", "b.js", "js/lazy.js")}
    assert assets.module_preloads("js/main.js") == ["js/a.js", "b.js"]
    b = tmp_path / "b.js"
    b.write_text("export const b = 2;\n")
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 1_000_000))
    after = {name: assets.version(name) for name in before}
    assert after["b.js"] != before["b.js"]
    assert after["js/a.js"] != before["js/a.js"] and after["js/main.js"] != before["js/main.js"]
    assert after["js/lazy.js"] == before["js/lazy.js"]
    served = assets.load("js/main.js").body.decode()
    assert f"'./a.js?v={after['js/a.js']}'" in served and f"'./lazy.js?v={after['js/lazy.js']}'" in served


def test_an_import_cycle_or_an_unknown_import_is_left_plain(tmp_path):
    (tmp_path / "a.js").write_text("import './b.js';\nimport './missing.js';\nimport x from 'bare';\n")
    (tmp_path / "b.js").write_text("import './a.js';\n")
    assets = StaticAssets(tmp_path)
    a = assets.load("a.js").body.decode()
    assert "'./b.js?v=" in a and "'./missing.js'" in a and "'bare'" in a
    assert assets.version("b.js") and assets.version("nothing.js") is None


# --- gzip -----------------------------------------------------------------------------------------

def test_static_text_is_gzipped_when_asked_and_identical_once_unpacked(app, client):
    url = static_url(app, "css/app.css")
    plain = fetch(client, url)
    squeezed = fetch(client, url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert squeezed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(squeezed.get_data()) == plain.get_data()
    assert int(squeezed.headers["Content-Length"]) < int(plain.headers["Content-Length"]) / 2
    for response in (plain, squeezed):
        assert "Accept-Encoding" in response.headers["Vary"]
    refused = fetch(client, url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_a_small_file_is_sent_as_it_is(app, client):
    response = fetch(client, static_url(app, "js/error-summary.js"), headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


def test_html_pages_are_never_compressed(client, login_as):
    for path in ("/", "/login", "/framework"):
        response = client.get(path, headers=GZIP)
        assert response.mimetype == "text/html" and "Content-Encoding" not in response.headers, path
    login_as(Role.CANDIDATE)
    page = client.get("/dashboard", headers=GZIP)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


@pytest.fixture
def exam_page(app, db, client, login_as, clock, framework, tmp_path):
    """A candidate's attempt under way, its player page and that page's CSRF token (CSRF on)."""
    from assessment.delivery import services
    from tests.assessment.delivery.player_data import make_exam

    app.config.update(UPLOAD_FOLDER=str(tmp_path), WTF_CSRF_ENABLED=True)
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), attachment_folder=str(tmp_path))
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab",
                                     now=clock.now())
    page = client.get(f"/attempts/{attempt.id}", headers=GZIP)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))[1]
    return attempt, page, token


def test_the_player_page_is_html_uncompressed_and_preloads_its_modules(app, exam_page):
    _, page, _ = exam_page
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    html = page.get_data(as_text=True)
    with app.test_request_context():
        from core.assets import static_module_preloads
        for url in static_module_preloads("js/player/main.js"):
            assert f'<link rel="modulepreload" href="{url}">' in html
        assert url_for("static", filename="js/player/main.js") in html


def test_the_exam_json_is_gzipped_and_no_api_answer_carries_a_csrf_token(client, exam_page):
    attempt, _, token = exam_page
    with client.session_transaction() as session:
        secret = session["csrf_token"]  # the raw value every signed token is made from
    api = f"/api/v1/attempts/{attempt.id}"
    headers = {**GZIP, "X-CSRFToken": token}
    answers = [client.post(f"{api}/claim", json={"device_id": "tab"}, headers=headers),
               client.get(f"{api}?device_id=tab", headers=GZIP),
               client.get(f"{api}/state?device_id=tab", headers=GZIP)]
    state = json.loads(body_of(answers[1]))
    answers.append(client.post(f"{api}/responses", headers=headers, json={
        "slot": 1, "payload": {"answer": state["items"][0]["options"][0]["id"]}, "seen_seq": state["last_seq"],
        "client_step_id": "c-1", "device_id": "tab"}))
    answers.append(client.post(f"{api}/submit", headers=headers))
    assert [a.status_code for a in answers] == [200] * 5
    load = answers[1]
    assert load.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in load.headers["Vary"]
    assert load.headers["Cache-Control"] == "no-store"
    for answer in answers:
        assert answer.is_json
        text = body_of(answer).decode()
        json.loads(text)
        assert token not in text and secret not in text and "csrf" not in text.lower()


def test_json_is_sent_as_it_is_to_a_client_that_does_not_ask_for_gzip(client, exam_page):
    attempt, _, _ = exam_page
    response = client.get(f"/api/v1/attempts/{attempt.id}?device_id=tab")
    assert "Content-Encoding" not in response.headers and response.get_json()["items"]


def test_streams_and_files_sent_from_disk_are_left_alone(app, client, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"rows": list(range(5000))}))

    @app.get("/test-only/stream")
    def stream():
        return Response(stream_with_context(iter(["data: " + "x" * 2000 + "\n\n"])), mimetype="text/event-stream")

    @app.get("/test-only/json-stream")
    def json_stream():
        return Response(iter([b"[" + b"1," * 2000 + b"1]"]), mimetype="application/json")

    @app.get("/test-only/file")
    def file():
        return send_file(big, mimetype="application/json")

    @app.get("/test-only/json")
    def plain_json():
        return {"rows": list(range(5000))}

    for path in ("/test-only/stream", "/test-only/json-stream", "/test-only/file"):
        response = client.get(path, headers=GZIP)
        assert response.status_code == 200 and "Content-Encoding" not in response.headers, path
        response.close()
    assert client.get("/test-only/json", headers=GZIP).headers["Content-Encoding"] == "gzip"


def test_an_answer_that_carries_a_csrf_token_is_never_compressed(app, client, login_as):
    from flask_wtf.csrf import generate_csrf

    app.config["WTF_CSRF_ENABLED"] = True

    @app.get("/test-only/token-and-echo")
    def token_and_echo():
        return {"token": generate_csrf(), "padding": "x" * 4000}

    response = client.get("/test-only/token-and-echo", headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_json()["token"]
    # The one JSON answer that hands out a token by design.
    login_as(Role.CANDIDATE)
    handed_out = client.get("/api/v1/csrf-token", headers=GZIP)
    assert handed_out.get_json()["csrf_token"] and "Content-Encoding" not in handed_out.headers


def test_the_live_invigilation_stream_is_not_compressed(app, db, client, login_as, framework, clock):
    from tests.proctoring.live.helpers import started_attempt

    sitting = started_attempt(db, now=clock.now())[0]
    login_as(Role.ADMIN)
    app.config.update(INVIGILATION_LIVE_CHECK_S=0.01, INVIGILATION_LIVE_STREAM_S=0.05)
    response = client.get(f"/invigilation/sittings/{sitting.id}/live/stream", headers=GZIP)
    assert response.mimetype == "text/event-stream" and "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).startswith("retry:")
