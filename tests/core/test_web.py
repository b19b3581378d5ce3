import pytest

from core.web import is_safe_next


@pytest.mark.parametrize(("target", "safe"), [
    ("/dashboard", True), ("/admin/users?q=a", True), ("", False), (None, False),
    ("https://evil.example/", False), ("//evil.example/x", False), ("/\\evil.example", False),
    ("\\\\evil.example", False), ("javascript:alert(1)", False), ("dashboard", False), ("/\tevil", False),
])
def test_only_paths_on_this_site_are_followed(app, target, safe):
    with app.test_request_context("/login"):
        assert is_safe_next(target) is safe


def test_security_headers_on_every_response(client):
    for path in ("/", "/framework", "/no-such-page", "/static/css/app.css"):
        response = client.get(path)
        headers = response.headers
        response.close()  # static files are streamed; close the file handle
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_any_template():
    from pathlib import Path
    import re

    templates = Path(__file__).resolve().parents[2] / "templates"
    for path in templates.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), f"inline script in {path}"
        assert "<style" not in source, f"inline style element in {path}"
        assert not re.search(r"\sstyle=", source), f"style attribute in {path}"
        assert not re.search(r"\son[a-z]+=", source), f"inline event handler in {path}"
