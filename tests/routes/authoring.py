"""Routes of the item bank's authoring and review pages."""
from core.roles import Role
from tests.routes import SIGNED_IN, Route, roles

STAFF = roles(Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER, Role.ADMIN)
WRITER = roles(Role.ITEM_WRITER)
VERSION = "/item-bank/case-studies/{cs_id}/versions/1"

ROUTES = {
    "home.notifications": Route("/notifications", SIGNED_IN),
    "authoring.bank": Route("/item-bank", STAFF),
    "authoring.mine": Route("/item-bank/mine", WRITER),
    "authoring.review_queue": Route("/item-bank/review", roles(Role.ITEM_REVIEWER)),
    "authoring.coverage": Route("/item-bank/coverage", STAFF),
    "authoring.new_case_study": Route("/item-bank/case-studies/new", WRITER),
    "authoring.case_study": Route("/item-bank/case-studies/{cs_id}", STAFF, ok=302),
    "authoring.version_page": Route(VERSION, STAFF),
    # The signed-in writer is not this case study's author: the page shows, the service refuses on save.
    "authoring.edit_case_study": Route(VERSION + "/edit", WRITER),
    "authoring.new_item": Route(VERSION + "/items/new/sba", WRITER),
    "authoring.edit_item": Route(VERSION + "/items/{item_id}/edit", WRITER),
    "authoring.delete_item": Route(VERSION + "/items/{item_id}/delete", WRITER, method="POST", ok=403),
    "authoring.move_item": Route(VERSION + "/items/{item_id}/move/up", WRITER, method="POST", ok=403),
    "authoring.preview": Route(VERSION + "/preview", STAFF),
    "authoring.take_action": Route(VERSION + "/actions/start_review", STAFF, method="POST", ok=302),
    "authoring.add_comment": Route(VERSION + "/comments", STAFF, method="POST", ok=302),
    "authoring.new_version": Route("/item-bank/case-studies/{cs_id}/new-version", WRITER),
    "authoring.compare": Route("/item-bank/case-studies/{cs_id}/diff", STAFF),
    "authoring.item_page": Route("/item-bank/items/{item_id}", STAFF),
}


def build_context(db, make_user, framework):
    import datetime as dt

    from item_bank.authoring import services
    from tests.item_bank.conftest import sba_content

    writer = make_user(Role.ITEM_WRITER)
    now = dt.datetime.now(dt.timezone.utc)
    version = services.create_case_study(db, actor=writer.actor, title="Route table case study",
                                         scenario_html="<p>A scenario.</p>", now=now)
    item = services.save_item(db, actor=writer.actor, version_id=version.id, content=sba_content(), now=now)
    return {"cs_id": version.case_study_id, "item_id": item.item_id}

ROUTES.update({
    "authoring.add_attachment": Route(VERSION + "/attachments", WRITER, method="POST", ok=403),  # not the author
    "authoring.delete_attachment": Route("/item-bank/attachments/999999/delete", WRITER, method="POST", ok=404),
    "authoring.download_attachment": Route("/item-bank/attachments/999999", STAFF, ok=404),
})
