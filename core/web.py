"""Web helpers shared by every blueprint: route roles, the acting person, safe redirects, headers."""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
import re
import threading
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from flask import Flask, Response, abort, current_app, g, jsonify, redirect, request, send_file, session, url_for
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, same_origin
from flask_wtf.csrf import logger as csrf_logger
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from wtforms import DecimalField, IntegerField
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

from core.roles import Actor, Role
from core.schemas import is_storable

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


def add_problems(form, error, fields: dict[str, str] | None = None) -> None:
    """Put a service's problems (``core.errors.ValidationFailed``) beside the fields they name, and
    the rest (or the error's own message, when it names no field) at the top of the form's error
    summary. ``fields`` maps a service's name for a field to the form's, where the two differ."""
    for problem in error.problems:
        name = (fields or {}).get(problem.field, problem.field)
        field = getattr(form, name, None) if name != "csrf_token" else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, problem.message]
        else:
            form.form_errors.append(problem.message)
    if not error.problems:
        form.form_errors.append(error.message)


def client_address() -> str | None:
    # ProxyFix (configured by the app when behind a proxy) has already put the real address here.
    return request.remote_addr


# The session cookie's key for the raw token of this browser's sign-in (accounts/sessions.py): the
# server keeps only its SHA-256, in ``sign_ins``, and refuses the cookie once that row has ended.
SIGN_IN_KEY = "_cop_sign_in"


def sign_in_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signed_in_claim() -> tuple[int, int, str | None] | None:
    """The (user id, session version, digest of the sign-in token) the signed session cookie claims,
    read without loading the person. Only this server can sign the cookie, but the claim may be stale
    (signed out elsewhere, this sign-in ended from another device, password changed, account
    disabled): whoever relies on it checks it against the database. The digest is None for a cookie
    with no token (issued before sign-ins were recorded): it matches no row, so such a cookie is
    refused like an ended one."""
    claimed = session.get("_user_id")  # Flask-Login's key; the value is User.get_id(): "id:version"
    if not isinstance(claimed, str):
        return None
    user_id, _, version = claimed.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    token = session.get(SIGN_IN_KEY)
    return int(user_id), int(version), sign_in_digest(token) if isinstance(token, str) and token else None


class KeptVerifications:
    """What this process has already verified (a signed cookie, a signed token), each kept with what
    it carried and when it was signed, so that what a client sends again and again is not verified
    again. At most ``size`` are kept; the oldest tenth go when it is full. Every read and change takes
    the lock, so nothing relies on a dict operation being atomic."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[tuple, tuple[Any, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: tuple) -> tuple[Any, int] | None:
        with self._lock:
            return self._kept.get(key)

    def keep(self, key: tuple, found: tuple[Any, int]) -> None:
        with self._lock:
            if len(self._kept) >= self.size:
                for oldest in list(self._kept)[: self.size // 10 or 1]:
                    del self._kept[oldest]
            self._kept[key] = found

    def drop(self, key: tuple) -> None:
        with self._lock:
            self._kept.pop(key, None)


def signed_age_s(signed_at: int) -> int:
    """Seconds since ``signed_at`` (a Unix time), as itsdangerous's ``TimestampSigner.unsign`` reckons
    it: a kept signature is refused exactly when a fresh verification would be (older than the limit,
    or signed in the future)."""
    return int(time.time()) - signed_at


class VerifiedSessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookies this process has already verified kept (each
    with when it was signed), so that a candidate's next autosave with the same cookie is not
    verified and decoded again. Flask builds a serializer, derives its key, checks the HMAC and
    decodes base64 and tagged JSON on every request: 52 µs, where a kept cookie takes 4 (about 2 % of
    a served save; docs/sessions.md). A candidate's cookie changes about once a minute (the
    last-seen time), so most requests carry one already seen.

    The same checks as Flask's: a cookie is trusted only if its signature was verified under the
    keys the app has now (they are part of what is kept), and it is refused once older than the
    session's lifetime, by itsdangerous's own arithmetic. Only sessions of plain values (text,
    numbers, booleans) are kept, and each request gets its own copy, so nothing one request changes
    can reach another. At most ``size`` cookies are kept; the oldest go first."""

    def __init__(self, size: int = 20_000) -> None:
        self.verified = KeptVerifications(size)

    def open_session(self, app: Flask, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()), value)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = self.verified.get(key)
        if found is None:
            try:
                data, signed_at = self.get_signing_serializer(app).loads(value, max_age=max_age,
                                                                       return_timestamp=True)
            except BadSignature:
                return self.session_class()
            found = (data, int(signed_at.timestamp()))
            if all(isinstance(v, (str, int, float, bool, type(None))) for v in data.values()):
                self.verified.keep(key, found)
        data, signed_at = found
        age = signed_age_s(signed_at)
        if age > max_age or age < 0:
            self.verified.drop(key)
            return self.session_class()
        return self.session_class(dict(data))


_FORM_BODIES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class KeptCsrfProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, with the tokens this process has already verified kept. Every write
    is checked; what differs is the cost. Flask-WTF builds a serializer, derives its key and checks a
    timed HMAC on every write, and looks for the token in ``request.form``, which builds a form
    parser even for a JSON body: together about 8 % of a served autosave (docs/performance.md). A
    candidate's player sends the same signed token with every save of the sitting.

    The same checks and the same reasons as ``flask_wtf.csrf.validate_csrf``: a token kept was
    verified under the secret the app has now (it is part of what is kept), it is refused once older
    than ``WTF_CSRF_TIME_LIMIT`` by itsdangerous's own arithmetic, and it must still match the token
    in this request's session (a kept token says nothing about whose it is). A token that fails is
    never kept. Exemptions, the methods checked and the HTTPS referrer check are Flask-WTF's."""

    def __init__(self, app: Flask | None = None, size: int = 20_000) -> None:
        self.verified = KeptVerifications(size)
        super().__init__(app)

    def protect(self, apply_exemptions: bool = False) -> None:
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        reason = self._invalid_because()
        if reason:
            csrf_logger.info(reason)
            self._error_response(reason)
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _invalid_because(self) -> str | None:
        """Why this request's token is refused (Flask-WTF's words), or None."""
        config = current_app.config
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        if not secret:
            raise RuntimeError("A secret key is required to use CSRF.")
        field = config["WTF_CSRF_FIELD_NAME"]
        time_limit = config["WTF_CSRF_TIME_LIMIT"]
        signed = self._get_csrf_token()
        if not signed:
            return "The CSRF token is missing."
        if field not in session:
            return "The CSRF session token is missing."
        key = (secret, signed)
        found = self.verified.get(key)
        if found is None:
            serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
            try:
                token, signed_at = serializer.loads(signed, max_age=time_limit, return_timestamp=True)
            except SignatureExpired:
                return "The CSRF token has expired."
            except BadData:
                return "The CSRF token is invalid."
            found = (token, int(signed_at.timestamp()))
            if isinstance(token, str):
                self.verified.keep(key, found)
        token, signed_at = found
        age = signed_age_s(signed_at)
        if time_limit is not None and (age > time_limit or age < 0):
            self.verified.drop(key)
            return "The CSRF token has expired."
        if not isinstance(token, str) or not hmac.compare_digest(session[field], token):
            return "The CSRF tokens do not match."
        return None

    def _get_csrf_token(self) -> str | None:
        # A body that is not a form has no form fields, so only the headers can hold the token: asking
        # ``request.form`` would build a form parser to find nothing.
        if request.mimetype in _FORM_BODIES:
            return super()._get_csrf_token()
        for header in current_app.config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header)
            if token:
                return token
        return None


def log_safe(text: str, limit: int = 300) -> str:
    """Text from a request made safe for one log line (ASVS V7.3.1): control characters, newlines
    included, become visible escapes, so nobody can forge a line of their own, and it is cut short."""
    cleaned = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                      for c in text[:limit])
    return cleaned + ("…" if len(text) > limit else "")


def log_refusal(status: int) -> None:
    """Every refused access goes to the log with who, what and from where (ASVS V7.1.3, V7.2.2)."""
    claim = signed_in_claim()
    current_app.logger.warning("Access refused (%s): %s %s by %s from %s", status, request.method,
                               log_safe(request.full_path.rstrip("?")),
                               f"user {claim[0]}" if claim else "a signed-out visitor",
                               log_safe(request.remote_addr or "unknown"))


# The composition root installs the condition under which a claim holds (accounts knows the tables;
# core does not): a SQL boolean clause with the bind parameters ``claim_user_id``, ``claim_version``,
# ``claim_sign_in`` (the token's digest) and ``claim_role``, true when that account exists, is enabled,
# still has that session version, that sign-in has not ended, and it holds that role. A fast path
# puts it into its own first query, so confirming costs no round trip.
CLAIM_HOLDS = "cop.claim_holds"


def claim_holds_clause():
    """The installed clause (see ``CLAIM_HOLDS``), or None: then no fast path may run."""
    return current_app.extensions.get(CLAIM_HOLDS)


def roles_required(*roles: Role, fast_path=None):
    """Route guard: anonymous → the login page (or 401 JSON under ``/api/``); signed in without one
    of ``roles`` → 403.

    ``fast_path(claim, *args, **kwargs)``, for the few routes every candidate calls every few
    seconds (autosave): tried first with the cookie's claim (:func:`signed_in_claim`), unconfirmed —
    the fast path confirms it, with ``roles``, inside its own first query (:func:`claim_holds_clause`)
    instead of loading the person's object and roles. It returns a response, or None to hand the
    request to the ordinary path, which then answers exactly as it would have."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if fast_path is not None:
                claim = signed_in_claim()
                if claim is not None:
                    answer = fast_path(claim, *args, **kwargs)
                    if answer is not None:
                        return answer
            if not current_user.is_authenticated:
                if is_api_request():
                    abort(401, "Sign in to use this.")
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if roles and not current_actor().has(*roles):
                abort(403)
            return refuse_unexpected_body_type(view) or view(*args, **kwargs)

        wrapper.required_roles = frozenset(roles)
        return wrapper

    return decorate


def login_required(view):
    """Any signed-in person."""
    return roles_required()(view)


def is_api_request() -> bool:
    """Script calls: a redirect to an HTML sign-in page means nothing to them."""
    return request.path.startswith("/api/")


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an e-mail or a log, from the configured ``BASE_URL``: never from the
    request's ``Host`` header, which the sender of the request chooses."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, _external=False, **values)


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


JSON_ONLY = frozenset({"application/json"})


def accepts_body(*mimetypes: str):
    """Mark an API view whose request body is not JSON (a snapshot is ``image/jpeg``)."""
    def mark(view):
        view.accepted_body_types = frozenset(mimetypes)
        return view
    return mark


def refuse_unexpected_body_type(view):
    """An API write whose body is of a type the view does not read is refused with 415 before the view
    runs (ASVS V13.1.5, V13.2.5), so no parser ever guesses at what it was sent. Checked by
    :func:`roles_required` after who you are and what you may do, so 401 and 403 come first. A write
    with no body (submit, acknowledge) needs no type."""
    if not request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return None
    accepted = getattr(view, "accepted_body_types", JSON_ONLY)
    if request.mimetype in accepted:
        return None
    wanted = "JSON (Content-Type: application/json)" if accepted == JSON_ONLY else " or ".join(sorted(accepted))
    response = jsonify({"error": f"Send the body as {wanted}.", "code": "unsupported_type"})
    response.status_code = 415
    return response


def add_api_disposition(response: Response) -> Response:
    """A JSON answer of the API opened directly in a browser is a download, never a page (ASVS V14.4.2);
    fetch() ignores the header."""
    if request.path.startswith("/api/") and response.mimetype == "application/json":
        response.headers.setdefault("Content-Disposition", 'attachment; filename="api.json"')
    return response


def add_no_store(response: Response) -> Response:
    """Pages and JSON for a signed-in person carry personal data (answers, keys, names): no cache,
    shared or in the browser, may keep them, and *Back* after signing out shows nothing."""
    # The cookie's claim, not the loaded person: loading them here would cost the fast paths the
    # query they save. A stale claim gets no-store too, which is only more careful.
    if request.endpoint != "static" and signed_in_claim() is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


# --- hostile input at the edge ---------------------------------------------------------------------

MAX_ID = 2**31 - 1  # the largest id an id column holds (PostgreSQL's integer); anything larger names nothing
MAX_QUERY_NUMBER = 2**31 - 1  # page numbers, counts and ids in the query string
MAX_JSON_DEPTH = 32
# Search boxes, and a static file's version (hex digits that may happen to be all decimal): text, not numbers.
FREE_TEXT_ARGS = frozenset({"q", "v"})
UNSTORABLE_MESSAGE = "This contains a character that cannot be stored (a null character). Remove it and try again."
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _at_most(bound: int) -> str:
    """A regular expression for the whole numbers 0..``bound`` written without a sign."""
    digits = str(bound)
    alternatives = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            alternatives.append(digits[:i] + f"[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    alternatives.append(digits)
    return "(?:" + "|".join(alternatives) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that answers 404 for ids beyond a 64-bit column instead of failing in the database.

    The bound is in the pattern, not only in ``to_python``: werkzeug chooses the rule by pattern and
    method before it converts, so a number that only failed conversion turned PUT into 405.
    """

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max if max < MAX_ID else MAX_ID, signed)
        if not fixed_digits and not signed:
            self.regex = _at_most(self.max)


def json_too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """More than ``limit`` nested arrays/objects (iterative: the point is not to recurse)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


class GuardedJSONProvider(DefaultJSONProvider):
    """Refuses bodies nested deeper than ``MAX_JSON_DEPTH`` with 400 (even for ``get_json(silent=True)``):
    nothing we accept nests that deep, and deeper input only costs stack and time."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise BadRequest(f"The JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels).") from None
        if json_too_deep(value):
            raise BadRequest(f"The JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels).")
        return value


def refuse_hostile_request() -> None:
    """Before every request: a path part with NUL names nothing (404); a query string with NUL or a
    number no page, count or id can reach is refused (400) before any query runs."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and not is_storable(value):
            abort(404)
    for key, value in request.args.items(multi=True):
        if not (is_storable(key) and is_storable(value)):
            abort(400, "The address contains a character that cannot be used (a null character).")
        number = value.strip()
        if key not in FREE_TEXT_ARGS and _INTEGER.fullmatch(number):
            # Length first: int() of thousands of digits is slow, and refused by Python past 4,300.
            significant = number.lstrip("+-").lstrip("0")
            if len(significant) > len(str(MAX_QUERY_NUMBER)) or (significant and int(significant) > MAX_QUERY_NUMBER):
                abort(400, f"The number given for ‘{key}’ is out of range.")


def _field_values(form) -> list:
    """(field, raw values) of a form, through nested forms and lists."""
    found = []
    for field in form:
        if hasattr(field, "entries"):
            for entry in field.entries:
                found += _field_values(entry.form) if hasattr(entry, "form") else [(entry, entry.raw_data or [])]
        elif hasattr(field, "form") and field.type == "FormField":
            found += _field_values(field.form)
        else:
            found.append((field, getattr(field, "raw_data", None) or []))
    return found


def _validate_storable(original):
    @functools.wraps(original)
    def validate(self, extra_validators=None):
        ok = original(self, extra_validators=extra_validators)
        for field, values in _field_values(self):
            if any(isinstance(v, str) and not is_storable(v) for v in values):
                field.errors = [*field.errors, UNSTORABLE_MESSAGE]
                ok = False
        self._errors = None  # WTForms caches ``form.errors``; let it see the message added here
        return ok

    validate.refuses_unstorable = True
    return validate


MAX_FORM_NUMBER = 2**31 - 1  # the largest whole number a form takes: an integer column holds it
TOO_LARGE_MESSAGE = "Enter a number between -2,147,483,647 and 2,147,483,647"


def whole_number_in_range(number: int) -> int:
    """``number``, or ValueError with a message when a database integer column could not hold it
    (WTForms' NumberRange would otherwise fail with OverflowError on one too large for a float)."""
    if abs(number) > MAX_FORM_NUMBER:
        raise ValueError(TOO_LARGE_MESSAGE)
    return number


def _bounded_integer_formdata(original):
    @functools.wraps(original)
    def process_formdata(self, valuelist):
        original(self, valuelist)
        if isinstance(self.data, int) and abs(self.data) > MAX_FORM_NUMBER:
            self.data = None
            raise ValueError(TOO_LARGE_MESSAGE)

    process_formdata.bounded = True
    return process_formdata


def _finite_decimal_formdata(original):
    @functools.wraps(original)
    def process_formdata(self, valuelist):
        original(self, valuelist)
        if self.data is not None and not self.data.is_finite():  # NaN, sNaN (which breaks NumberRange), Infinity
            self.data = None
            raise ValueError("Enter a number, like 0.6")

    process_formdata.bounded = True
    return process_formdata


def guard_forms() -> None:
    """Every form (each is a ``FlaskForm``) refuses text the databases cannot store, with the message
    beside the field and so in the error summary. Installed once, on FlaskForm itself, so that no
    form can forget it. Likewise every ``IntegerField`` refuses a number no integer column holds, and every
    ``DecimalField`` one that is not finite."""
    if not getattr(FlaskForm.validate, "refuses_unstorable", False):
        FlaskForm.validate = _validate_storable(FlaskForm.validate)
    if not getattr(IntegerField.process_formdata, "bounded", False):
        IntegerField.process_formdata = _bounded_integer_formdata(IntegerField.process_formdata)
    if not getattr(DecimalField.process_formdata, "bounded", False):
        DecimalField.process_formdata = _finite_decimal_formdata(DecimalField.process_formdata)


def register_converters(app: Flask) -> None:
    """Before any blueprint: rules pick their converter when they are added."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)


def init_app(app: Flask) -> None:
    from core import assets

    assets.init_app(app)  # versioned static URLs, long caching, gzip of text answers
    guard_forms()
    app.before_request(refuse_hostile_request)
    app.after_request(add_security_headers)
    app.after_request(add_api_disposition)
    app.after_request(add_no_store)


def send_sealed(path, *, mimetype: str | None, filename: str | None, fallback: str) -> Response:
    """An upload kept sealed (core.sealed), opened and sent as a download: never shown inline, never
    cached. ``mimetype`` None: told by the content, which core.uploads checked when it came in."""
    from core.sealed import sealer_of
    from core.uploads import content_type_of, download_name

    data = sealer_of(current_app.config).read(path)
    if data is None:
        raise NotFound("The file is missing from the store.")
    return send_file(io.BytesIO(data), mimetype=mimetype or content_type_of(data[:16]),
                     download_name=download_name(filename, fallback), as_attachment=True, max_age=0)
