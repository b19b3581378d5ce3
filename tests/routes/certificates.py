"""Routes of certificates: the verification page, the credential, the status list and the DID
document are public; the list and revocation are for examiners; a candidate's own certificates
and PDF for candidates (the table's certificate belongs to another candidate, so each visiting
candidate gets 404 for its PDF)."""
import datetime as dt
import tempfile

from core.roles import Role
from tests.routes import PUBLIC, Route, roles

ROUTES = {
    "certificates.verify_form": Route("/verify", PUBLIC),
    "certificates.verify": Route("/verify/{certificate_code}", PUBLIC),
    "certificates.credential": Route("/verify/{certificate_code}/credential", PUBLIC),
    "certificates.status_list": Route("/credentials/status/1", PUBLIC),
    "certificates.did_document": Route("/.well-known/did.json", PUBLIC),
    "certificates.index": Route("/certificates", roles(Role.EXAMINER)),
    "certificates.detail": Route("/certificates/{certificate_code}", roles(Role.EXAMINER)),
    "certificates.mine": Route("/my/certificates", roles(Role.CANDIDATE)),
    "certificates.pdf": Route("/my/certificates/{certificate_code}.pdf", roles(Role.CANDIDATE), ok=404),
}


def build_context(db, make_user, framework) -> dict:
    from assessment.results.certificates import services
    from tests.assessment.results.certificates.factories import make_release

    examiner, owner = make_user(Role.EXAMINER), make_user(Role.CANDIDATE, name="Route Owner")
    release = make_release(db, examiner, [owner], ["pass"])
    issuer = services.issuer_from_config({"BASE_URL": "http://localhost:5000",
                                          "CERTIFICATE_KEY_FOLDER": tempfile.mkdtemp(prefix="cop-route-keys-")})
    [certificate] = services.issue_for_release(db, release, examiner.actor, dt.datetime.now(dt.timezone.utc),
                                               issuer=issuer)
    return {"certificate_code": certificate.code}
