"""Routes of the register. The search and an entry are public (signed out works). Every signed-in
person has a "your registration" page (it says when they are not on the register); its actions find
no registration of a person who has none. Administrators manage entries."""
import datetime as dt
import os

from core.roles import Role
from tests.routes import PUBLIC, SIGNED_IN, Route, roles
from tests import uploads_data
from tests.uploads_data import evidence_sealer

ADMIN = roles(Role.ADMIN)

ROUTES = {
    "register.search": Route("/register/search?q=Reg", PUBLIC),
    "register.entry": Route("/register/{register_number}", PUBLIC),
    # A code no certificate has: the page says so.
    "register.for_certificate": Route("/register/certificate/COP-AAAA-AAAA-AAAA", PUBLIC, ok=404),
    "register.mine": Route("/register/mine", SIGNED_IN),
    # A visitor with no registration: nothing of theirs to act on.
    "register.declare": Route("/register/mine/cpd", SIGNED_IN, method="POST", ok=404),
    "register.withdraw": Route("/register/mine/cpd/{register_declaration_id}/withdraw", SIGNED_IN, method="POST",
                               ok=404),
    "register.renew": Route("/register/mine/renew", SIGNED_IN, method="POST", ok=404),
    "register.evidence": Route("/register/mine/cpd/{register_declaration_id}/evidence", SIGNED_IN, ok=404),
    "register.manage": Route("/register/manage", ADMIN),
    "register.manage_entry": Route("/register/manage/{register_number}", ADMIN),
    # Nothing chosen: the form comes back with the errors.
    "register.change_status": Route("/register/manage/{register_number}/status", ADMIN, method="POST", ok=422),
    "register.fitness_to_practise": Route("/register/manage/{register_number}/fitness-to-practise", ADMIN,
                                          method="POST", ok=422),
    "register.admin_evidence": Route("/register/manage/{register_number}/cpd/{register_declaration_id}/evidence",
                                     ADMIN),
}

PDF = uploads_data.pdf("CPD certificate")


def build_context(db, make_user, framework):
    """One registrant with a CPD declaration and its evidence file."""
    from assessment.eligibility.register import services
    from core.roles import SYSTEM

    now = dt.datetime.now(dt.timezone.utc)
    person = make_user(Role.CANDIDATE, name="Reggie Registrant")
    registration = services.enter_on_register(db, actor=SYSTEM, user_id=person.id, application_id=None,
                                              now=now - dt.timedelta(days=30))
    declaration = services.declare_cpd(
        db, actor=person.actor, activity_on=(now - dt.timedelta(days=2)).date(), category="clinical", hours=2.0,
        description="A course", evidence=services.EvidenceFile("certificate.pdf", PDF),
        categories=("clinical",), upload_folder=os.environ["COP_UPLOAD_FOLDER"], sealer=evidence_sealer(), scan_command=None, now=now)
    return {"register_number": registration.number, "register_declaration_id": declaration.id}
