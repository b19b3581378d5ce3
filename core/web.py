"""Web helpers shared by every blueprint: route roles, the acting person, safe redirects, headers."""
from __future__ import annotations

import functools
from urllib.parse import urljoin, urlsplit

from flask import Flask, Response, abort, redirect, request, url_for
from flask_login import current_user

from core.roles import Actor, Role

ANONYMOUS = Actor(user_id=None, label="anonymous", roles=frozenset())

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def current_actor() -> Actor:
    if current_user.is_authenticated:
        return current_user.actor
    return ANONYMOUS


def client_address() -> str | None:
    # ProxyFix (configured by the app when behind a proxy) has already put the real address here.
    return request.remote_addr


def roles_required(*roles: Role):
    """Route guard: anonymous → the login page; signed in without one of ``roles`` → 403."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if roles and not current_actor().has(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = frozenset(roles)
        return wrapper

    return decorate


def login_required(view):
    """Any signed-in person."""
    return roles_required()(view)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//evil``, no backslashes."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    joined = urlsplit(urljoin(request.host_url, target))
    return joined.scheme in ("http", "https") and joined.netloc == urlsplit(request.host_url).netloc


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(), payment=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
