"""Certificate pages: the public verification page (signed out works), the credential, the status
list and the issuer's DID document; the examiners' list and revocation; the candidate's own
certificates and their PDF. Views parse, load, authorise, call one service, commit once.

A certificate's PDF is rendered the first time a page needs it (the public page and the examiners'
page show its SHA-256; the candidate downloads it): ``services.document_for`` in the request's own
short transaction, committed at once; from then on the stored bytes are served.

The DID document goes to the issuer's signer (``signing``) on every request, the status list when it
has changed or is a minute old (``services.signed_status_list``): when
the signer process cannot be reached, its typed error (``SignerUnavailable``) is the app's 503 page."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from assessment.accounts.reauth import fresh_reauthentication_required
from assessment.results.certificates import codes, credentials, queries, services
from assessment.results.certificates.forms import RevokeForm, VerifyForm
from assessment.results.certificates.rules import Status
from core import db
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.roles import Role
from core.web import current_actor, roles_required

bp = Blueprint("certificates", __name__)


def _public(response: Response, max_age: int = 60) -> Response:
    """Public documents: anyone may fetch them, from anywhere (verifiers run in other origins)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _not_found():
    return render_template("certificates/not_found.html"), 404


@bp.get("/verify")
def verify_form():
    form = VerifyForm(request.args)
    if "code" in request.args and form.validate():
        stored = codes.normalised(form.code.data)
        if stored is not None:
            return redirect(url_for("certificates.verify", code=stored))
        form.code.errors.append("Enter the code as it is printed: COP and 12 letters or digits, for example "
                                "COP-7K2M-Q9XD-4TR8 (check each character)")
    status = 422 if form.errors else 200
    return render_template("certificates/verify_form.html", form=form), status


@bp.get("/verify/<code>")
def verify(code: str):
    session = db.session()
    try:
        certificate = queries.certificate_by_code(session, code)
    except NotFound:
        return _not_found()
    if certificate.code != code:  # typed in another case or without hyphens: the one address of the certificate
        return redirect(url_for("certificates.verify", code=certificate.code))
    services.document_for(session, certificate, utcnow())  # its first showing renders the PDF whose hash it shows
    session.commit()
    view = queries.public_view(session, certificate.code)
    response = Response(render_template("certificates/verify.html", c=view))
    response.headers["X-Robots-Tag"] = "noindex"  # a name is shown to whoever has the code, not to search engines
    return response


@bp.get("/verify/<code>/credential")
def credential(code: str):
    try:
        token = queries.credential_of(db.session(), code)
    except NotFound:
        return _not_found()
    return _public(Response(token, mimetype=credentials.MEDIA_TYPE))


@bp.get("/credentials/status/1")
def status_list():
    token = services.signed_status_list(db.session(), services.current_issuer(), utcnow())
    return _public(Response(token, mimetype=credentials.MEDIA_TYPE), max_age=0)


@bp.get("/.well-known/did.json")
def did_document():
    document = credentials.did_document(services.current_issuer())
    return _public(Response(json.dumps(document, indent=2), mimetype="application/did+json"), max_age=300)


@bp.get("/certificates")
@roles_required(Role.EXAMINER)
def index():
    return render_template("certificates/index.html", rows=queries.certificates(db.session(), current_actor()))


@bp.route("/certificates/<code>", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
@fresh_reauthentication_required()
def detail(code: str):
    view, events = queries.certificate_detail(db.session(), current_actor(), code)
    if request.method == "GET" and view.pdf_sha256 is None and view.status is Status.VALID:  # its PDF, made now
        services.document_for(db.session(), queries.certificate_by_code(db.session(), view.code), utcnow())
        db.session().commit()
        view, events = queries.certificate_detail(db.session(), current_actor(), code)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(db.session(), actor=current_actor(), code=view.code, reason=form.reason.data,
                            now=utcnow())
        except ValidationFailed as error:
            form.reason.errors = [*form.reason.errors, *(p.message for p in error.problems)]
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Certificate {view.code} is revoked. The public page and the status list say so now.", "success")
            return redirect(url_for("certificates.detail", code=view.code))
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/detail.html", c=view, events=events, form=form), status


@bp.get("/my/certificates")
@roles_required(Role.CANDIDATE)
def mine():
    actor = current_actor()
    return render_template("certificates/mine.html", rows=queries.certificates_of(db.session(), actor.user_id))


@bp.get("/my/certificates/<code>.pdf")
@roles_required(Role.CANDIDATE)
def pdf(code: str):
    session = db.session()
    certificate = queries.own_certificate(session, current_actor(), code)
    document = services.document_for(session, certificate, utcnow())  # the first download renders it
    if document is None:
        raise NotFound("This certificate was revoked or superseded before its PDF was made, so there is no PDF of it.")
    data = document.pdf
    session.commit()
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response
