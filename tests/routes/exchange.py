"""Routes of QTI exchange and the item-bank JSON API.

The table sends form data, not JSON: an item writer allowed through the role check gets 400 from
the JSON endpoints that write ("send a JSON object"), which shows the role check let them in."""
from core.roles import Role
from tests.routes import PUBLIC, SIGNED_IN, Route, roles

STAFF = roles(Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER, Role.ADMIN)
WRITER = roles(Role.ITEM_WRITER)
API = "/api/v1/item-bank/case-studies"

ROUTES = {
    "exchange.openapi": Route("/api/v1/openapi.json", PUBLIC),
    "exchange.api_csrf_token": Route("/api/v1/csrf-token", SIGNED_IN),
    "exchange.api_case_studies": Route(API, STAFF),
    "exchange.api_create_case_study": Route(API, WRITER, method="POST", ok=400),
    "exchange.api_case_study": Route(API + "/{exchange_cs_id}", STAFF),
    "exchange.api_update_case_study": Route(API + "/{exchange_cs_id}", WRITER, method="PUT", ok=400),
    "exchange.api_add_item": Route(API + "/{exchange_cs_id}/items", WRITER, method="POST", ok=400),
    "exchange.api_replace_item": Route(API + "/{exchange_cs_id}/items/{exchange_item_id}", WRITER, method="PUT",
                                       ok=400),
    "exchange.api_preview": Route(API + "/{exchange_cs_id}/preview", STAFF),
    "exchange.export_case_study": Route("/item-bank/case-studies/{exchange_cs_id}/export.zip?qti=2.2",
                                        roles(Role.EXAMINER)),
    "exchange.export_paper": Route("/item-bank/papers/{exchange_paper_id}/export.zip?qti=3.0", roles(Role.EXAMINER)),
    "exchange.import_page": Route("/item-bank/import", WRITER),
}


def build_context(db, make_user, framework):
    from tests.item_bank.exchange.helpers import paper, sba_case_study

    version = sba_case_study(db, make_user(Role.ITEM_WRITER))
    return {"exchange_cs_id": version.case_study_id, "exchange_item_id": version.item_versions[0].item_id,
            "exchange_paper_id": paper(db, make_user).id}
