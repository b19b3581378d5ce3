"""Routes of item statistics in the bank: sending a flagged item back to review (examiners only)."""
from core.roles import Role
from tests.routes import Route, roles

ROUTES = {
    "authoring.send_back": Route("/item-bank/items/{flagged_item_id}/statistics/{statistic_id}/send-back",
                                 roles(Role.EXAMINER)),
}


def build_context(db, make_user, framework):
    import datetime as dt

    from core.roles import SYSTEM
    from item_bank.authoring import services
    from item_bank.statistics.services import ItemStatisticsRow, record_item_statistics
    from tests.item_bank.conftest import sba_content

    writer = make_user(Role.ITEM_WRITER)
    now = dt.datetime.now(dt.timezone.utc)
    version = services.create_case_study(db, actor=writer.actor, title="Route table flagged case study",
                                         scenario_html="<p>A scenario.</p>", now=now)
    item = services.save_item(db, actor=writer.actor, version_id=version.id, content=sba_content(), now=now)
    [row] = record_item_statistics(db, actor=SYSTEM, scoring_run_id=1, sitting_id=1, sitting_title="Route sitting",
                                   is_provisional=False, now=now,
                                   rows=[ItemStatisticsRow(item_version_id=item.id, n_candidates=50, max_mark=1,
                                                           facility=0.1, flags=("too_hard",))])
    return {"flagged_item_id": item.item_id, "statistic_id": row.id}
