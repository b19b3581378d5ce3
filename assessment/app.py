"""The composition root: the only module that knows every package."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from core import db, web
from core.clock import Clock, london
from core.errors import DomainError

REPO_ROOT = Path(__file__).resolve().parent.parent
csrf = web.KeptCsrfProtect()


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(REPO_ROOT / "instance"), instance_relative_config=True,
                template_folder=str(REPO_ROOT / "templates"), static_folder=str(REPO_ROOT / "static"))
    _load_config(app, overrides)
    db.init_app(app)
    app.extensions["cop.clock"] = Clock()
    _init_media(app)
    _init_auth(app)
    _init_sessions(app)
    web.register_converters(app)  # before the blueprints: a rule takes its converter when added
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    web.init_app(app)
    connect_signals()
    return app


def _init_media(app: Flask) -> None:
    """The invigilation media store the configuration names (a local folder unless S3 is chosen)."""
    from proctoring.media import store_from_config

    app.extensions["cop.media"] = store_from_config(app.config, app.instance_path)


def connect_signals() -> list:
    """Who hears which fact of ``core.signals`` (DESIGN.md, "The house"): connected here, the one
    module that knows every package, never as a side effect of an import. Blinker keeps one
    connection per receiver, so creating many apps connects nothing twice. Returns the pairs."""
    from core import signals
    from assessment.accounts.subscribers import refuse_disabled_account
    from scoring.marking.subscribers import remark_after_appeal
    from proctoring.checkin.subscribers import refuse_start_until_checked_in
    from proctoring.telemetry.subscribers import take_events_riding_on_a_save
    from proctoring.live.subscribers import messages_for_a_save

    subscriptions = [(signals.attempt_starting, refuse_disabled_account),
                     (signals.appeal_closed, remark_after_appeal),
                     (signals.attempt_starting, refuse_start_until_checked_in),
                     (signals.save_carries_events, take_events_riding_on_a_save),
                     (signals.save_asks_messages, messages_for_a_save)]
    for signal, receiver in subscriptions:
        signal.connect(receiver)
    return subscriptions


def _load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    from assessment.config import load_config

    config = load_config(Path(app.instance_path), overrides)
    app.config.update(config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config["SESSION_COOKIE_SECURE"],
        # Over HTTPS the cookie is bound to this host alone (ASVS V3.4.4): a browser refuses a __Host-
        # cookie that is not Secure, has a Domain or a Path other than /, so only HTTPS may use the name.
        SESSION_COOKIE_NAME="__Host-session" if config["SESSION_COOKIE_SECURE"] else "session",
    )
    if config["TRUSTED_PROXIES"]:
        hops = config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_auth(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "accounts.login"
    manager.login_message = "Sign in to see this page."
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(identifier: str):
        from assessment.accounts.services import signed_in_user

        claim = web.signed_in_claim()
        if claim is None or identifier != f"{claim[0]}:{claim[1]}":
            return None
        # None when the password changed since this session began, the account is disabled, or this
        # browser's sign-in was ended (signed out, or ended from the list of sign-ins). A cookie with
        # no sign-in token was issued before sign-ins were recorded: its holder signs in again.
        return signed_in_user(db.session(), user_id=claim[0], version=claim[1], digest=claim[2])

    # The autosave fast path confirms the cookie's claim inside its own first query.
    from assessment.accounts.services import CLAIM_HOLDS

    app.extensions[web.CLAIM_HOLDS] = CLAIM_HOLDS
    csrf.init_app(app)


def _attempt_deadlines(session, user_id: int, now):
    """Deadlines (pauses and extra time included) of the person's attempts that were not voided: a
    sitting keeps its candidate signed in until its deadline and an hour beyond (accounts.policy)."""
    from sqlalchemy import select

    from assessment.delivery import services as delivery
    from assessment.delivery.models import Attempt
    from assessment.delivery.replay import AttemptState

    deadlines = []
    for attempt in session.scalars(select(Attempt).where(Attempt.candidate_id == user_id)):
        view = delivery.view_of(session, attempt, now)
        if view.state != AttemptState.VOIDED:
            deadlines.append(view.deadline)
    return deadlines


def _init_sessions(app: Flask) -> None:
    from assessment.accounts import sessions

    sessions.init_app(app, _attempt_deadlines)


def _register_blueprints(app: Flask) -> None:
    from assessment.accounts.views import bp as accounts_bp
    from assessment.admin.views import bp as admin_bp
    from assessment.delivery.api import bp as delivery_api_bp
    from assessment.delivery.player import bp as player_bp
    from assessment.delivery.views import bp as sittings_bp
    from assessment.home.views import bp as home_bp
    from item_bank.authoring.views import bp as authoring_bp
    from item_bank.exchange.views import bp as exchange_bp
    from item_bank.framework.views import bp as framework_bp
    from item_bank.papers.views import bp as papers_bp
    from scoring.runs.views import bp as scoring_runs_bp

    for blueprint in (home_bp, accounts_bp, admin_bp, framework_bp, authoring_bp, papers_bp, exchange_bp,
                      sittings_bp, player_bp, delivery_api_bp, scoring_runs_bp):
        app.register_blueprint(blueprint)
    from scoring.marking.views import bp as marking_bp
    app.register_blueprint(marking_bp)
    from assessment.accounts.monitoring.views import bp as monitoring_bp
    app.register_blueprint(monitoring_bp)
    from assessment.accounts.credentials.views import bp as credentials_bp
    app.register_blueprint(credentials_bp)
    from assessment.accounts.sign_ins.views import bp as sign_ins_bp
    app.register_blueprint(sign_ins_bp)
    from scoring.cut_scores.views import bp as cut_scores_bp
    app.register_blueprint(cut_scores_bp)
    from assessment.results.certificates.views import bp as certificates_bp
    app.register_blueprint(certificates_bp)
    from assessment.results.views import bp as results_bp
    app.register_blueprint(results_bp)
    from scoring.standard_setting.views import bp as standard_setting_bp
    app.register_blueprint(standard_setting_bp)
    from assessment.results.appeals.views import bp as appeals_bp
    app.register_blueprint(appeals_bp)
    from assessment.eligibility.register.views import bp as register_bp
    app.register_blueprint(register_bp)
    from assessment.eligibility.applications.views import bp as applications_bp
    app.register_blueprint(applications_bp)
    from assessment.eligibility.decisions.views import bp as application_decisions_bp
    app.register_blueprint(application_decisions_bp)
    from proctoring.evidence.views import bp as invigilation_evidence_bp
    app.register_blueprint(invigilation_evidence_bp)
    from proctoring.telemetry.api import bp as invigilation_api_bp
    app.register_blueprint(invigilation_api_bp)
    from proctoring.fairness.views import bp as invigilation_fairness_bp
    app.register_blueprint(invigilation_fairness_bp)
    from proctoring.review.views import bp as invigilation_review_bp
    app.register_blueprint(invigilation_review_bp)
    from proctoring.live.views import bp as invigilation_live_bp
    from proctoring.live.api import bp as invigilation_messages_api_bp
    app.register_blueprint(invigilation_live_bp)
    app.register_blueprint(invigilation_messages_api_bp)
    from proctoring.checkin.views import bp as invigilation_checkin_bp
    app.register_blueprint(invigilation_checkin_bp)

    from assessment.cli import register_commands

    register_commands(app)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    def refused(status: int) -> None:
        """A refused access (401, 403) goes to the log; every refusal counts towards a burst alert
        (core.alerts). The request's own writes are rolled back first (a refused request must leave
        nothing behind), then the count is committed on its own. Alerting must never turn a refusal
        into a failure: a database problem is logged."""
        from core.alerts import services as alerts
        from core.clock import utcnow

        if status in (401, 403):
            web.log_refusal(status)
        claim = web.signed_in_claim()
        try:
            session = db.session()
            session.rollback()
            alerts.refused_request(session, status=status, client_address=web.client_address(),
                                   user_id=claim[0] if claim else None, now=utcnow())
            session.commit()
        except Exception:  # noqa: BLE001 - see the docstring
            app.logger.exception("Could not count a refused request towards security alerts")
            db.session().rollback()

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if error.http_status in (401, 403):
            refused(error.http_status)
        if _wants_json():
            body = {"error": error.message}
            code = getattr(error, "code", None)  # a word the client acts on, where the error has one
            if code:
                body["code"] = code
            problems = getattr(error, "problems", None)
            if problems:
                body["fields"] = {p.field: p.message for p in problems}
            return jsonify(body), error.http_status
        return render_template("errors/problem.html", status=error.http_status, message=error.message), \
            error.http_status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        refused(400)
        message = "This form has expired or was sent from another site. Go back, reload the page and try again."
        if _wants_json():
            return jsonify({"error": message}), 400
        return render_template("errors/problem.html", status=400, message=message), 400

    @app.errorhandler(InternalServerError)
    def unexpected_error(error: InternalServerError):
        """The last resort (ASVS V7.4.1, V7.4.3): whatever went wrong, the person gets a plain message
        and a reference, never a trace; the log gets the trace under the same reference."""
        reference = secrets.token_hex(4).upper()
        app.logger.error("Unexpected error, reference %s, %s %s", reference, request.method, request.path,
                         exc_info=error.original_exception or error)
        message = (f"Something went wrong on our side. Answers you had already saved are safe. Try again in a "
                   f"moment; if it keeps happening, contact the register's office and quote reference {reference}.")
        if _wants_json():
            return jsonify({"error": message, "reference": reference}), 500
        try:
            return render_template("errors/problem.html", status=500, message=message), 500
        except Exception:  # the page's header reads the database, which may be what failed
            return app.response_class(message, status=500, mimetype="text/plain")

    def database_away(error: Exception):
        """The database cannot be reached (restarting, failing over, a dropped connection): 503 with
        Retry-After, at once, rather than a 500 — the player keeps the change and sends it again. The
        pool has discarded its connections, so the next request connects afresh. The page is plain:
        the site's layout itself reads the database (docs/faults.md)."""
        app.logger.warning("The database could not be reached: %s", error)
        message = ("The service cannot reach its database for a moment. Nothing you had saved is lost; "
                   "try again in a few seconds.")
        if _wants_json():
            response = jsonify({"error": message, "code": "unavailable"})
        else:
            response = app.make_response(
                '<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Service unavailable'
                f'</title></head><body><main><h1>Service unavailable</h1><p>{message}</p></main></body></html>')
        response.status_code = 503
        response.headers["Retry-After"] = "2"
        return response

    app.register_error_handler(OperationalError, database_away)
    app.register_error_handler(InterfaceError, database_away)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in (401, 403):
            refused(error.code)
        if _wants_json():
            response = jsonify({"error": error.description})
        else:
            template = f"errors/{error.code}.html" if error.code in (403, 404) else "errors/problem.html"
            response = app.make_response(render_template(template, status=error.code, message=error.description))
        response.status_code = error.code
        return _keep_error_headers(error, response)


def _keep_error_headers(error: HTTPException, response):
    """werkzeug's own headers of the error (``Allow`` on 405, ``Retry-After``, ``WWW-Authenticate``)
    survive our error pages."""
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _register_template_helpers(app: Flask) -> None:
    from core.roles import Role

    app.jinja_env.filters["london"] = london

    def alert_title(kind: str) -> str:
        from core.alerts.rules import AlertKind

        try:
            return AlertKind(kind).title
        except ValueError:  # a kind from a newer release, read by an older one
            return kind

    app.jinja_env.filters["alert_title"] = alert_title

    def alert_details(details: str) -> list[str]:
        import json

        from core.alerts.rules import detail_lines

        try:
            return detail_lines(json.loads(details or "{}"))
        except (ValueError, AttributeError):
            return [details]

    app.jinja_env.filters["alert_details"] = alert_details
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["current_actor"] = web.current_actor

    def unread_notifications() -> int:
        from flask_login import current_user

        from core.notifications import unread_count

        return unread_count(db.session(), current_user.id) if current_user.is_authenticated else 0

    app.jinja_env.globals["unread_notifications"] = unread_notifications
