"""A candidate withdraws their own open appeal: through the service (an append-only row, the status,
the hold on evidence released with the ``appeal_closed`` signal, the panel told, the audit log, and
every refusal) and on the pages (a confirmation step; a reason is optional)."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from assessment.results.appeals import queries, rules, services
from assessment.results.appeals.models import AppealWithdrawal
from assessment.results.appeals.rules import Status
from core import signals
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.notifications import Notification
from core.roles import Role
from tests.assessment.results.appeals.builders import RELEASED_AT

LATER = RELEASED_AT + dt.timedelta(days=3)


def _appoint(db, released, appeal):
    services.appoint_panel(db, actor=released.admin.actor, appeal_id=appeal.id,
                           member_ids=[m.id for m in released.managers], reasons="", now=LATER)


def test_the_rule_folds_a_withdrawal_into_the_status_and_allows_it_only_while_open():
    sitting = rules.PanelState(members=3, accepted=3, declined=0)
    assert rules.appeal_status(None, None, withdrawn=True) is Status.WITHDRAWN
    assert rules.appeal_status(sitting, None, withdrawn=True) is Status.WITHDRAWN
    assert not Status.WITHDRAWN.is_open and Status.WITHDRAWN.label == "Withdrawn by the candidate"
    assert rules.withdrawal_problem(Status.PANEL_SITTING) is None
    assert rules.withdrawal_problem(Status.AWAITING_PANEL) is None
    assert "already withdrawn" in rules.withdrawal_problem(Status.WITHDRAWN)
    assert "no longer be withdrawn" in rules.withdrawal_problem(Status.DISMISSED)


def test_a_candidate_withdraws_their_open_appeal_and_the_hold_and_panel_are_released(db, released, lodge):
    appeal = lodge()
    _appoint(db, released, appeal)
    heard = []

    def closed(sender, **kw):
        heard.append(kw)

    with signals.appeal_closed.connected_to(closed):
        withdrawal = services.withdraw_appeal(db, actor=released.candidate.actor, appeal_id=appeal.id,
                                              reason="  I have decided to resit instead.  ", now=LATER)
    assert (withdrawal.appeal_id, withdrawal.withdrawn_by_id, withdrawal.reason, withdrawal.withdrawn_at) == (
        appeal.id, released.candidate.id, "I have decided to resit instead.", LATER)
    assert heard == [{"appeal_id": appeal.id, "attempt_id": released.attempt.id, "outcome": "withdrawn",
                      "now": LATER}]
    view = queries.appeal_view(db, appeal.id)
    assert view.status is Status.WITHDRAWN and view.withdrawal.id == withdrawal.id
    assert queries.evidence_holds(db, released.attempt.id) == [] and queries.held_attempt_ids(db) == set()
    told = set(db.scalars(select(Notification.user_id).where(Notification.message.contains("has been withdrawn"))))
    assert told == {m.id for m in released.managers}
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "appeal.withdrawn"))
    assert entry.actor_id == released.candidate.id and entry.target_id == str(appeal.id)
    # Closed: nothing more happens on it, and it no longer blocks a new appeal within the window.
    with pytest.raises(Conflict, match="withdrawn by the candidate"):
        services.respond_to_appointment(db, actor=released.managers[0].actor, appeal_id=appeal.id,
                                        has_conflict=False, statement="", now=LATER)
    with pytest.raises(Conflict, match="already withdrawn"):
        services.withdraw_appeal(db, actor=released.candidate.actor, appeal_id=appeal.id, reason="", now=LATER)
    assert lodge(now=LATER).id != appeal.id


def test_only_the_candidate_withdraws_only_an_open_appeal_and_a_long_reason_is_refused(db, released, lodge,
                                                                                      make_user):
    appeal = lodge()
    with pytest.raises(NotFound):
        services.withdraw_appeal(db, actor=make_user(Role.CANDIDATE).actor, appeal_id=appeal.id, reason="",
                                 now=LATER)
    with pytest.raises(Forbidden):
        services.withdraw_appeal(db, actor=released.admin.actor, appeal_id=appeal.id, reason="", now=LATER)
    with pytest.raises(ValidationFailed) as error:
        services.withdraw_appeal(db, actor=released.candidate.actor, appeal_id=appeal.id,
                                 reason="x" * (rules.REASONS_MAX + 1), now=LATER)
    assert error.value.problems[0].field == "reason"
    assert db.scalar(select(func.count()).select_from(AppealWithdrawal)) == 0
    _appoint(db, released, appeal)
    for member in released.managers:
        services.respond_to_appointment(db, actor=member.actor, appeal_id=appeal.id, has_conflict=False,
                                        statement="", now=LATER)
    services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="dismissed",
                            reasons="No error found", now=LATER)
    with pytest.raises(Conflict, match="no longer be withdrawn"):
        services.withdraw_appeal(db, actor=released.candidate.actor, appeal_id=appeal.id, reason="", now=LATER)


def _sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def test_the_candidate_withdraws_on_the_page_after_confirming(client, db, released, lodge, clock):
    clock.set(LATER)
    appeal = lodge()
    _sign_in(client, released.candidate)
    page = client.get(f"/appeals/{appeal.id}")
    assert f'href="/appeals/{appeal.id}/withdraw"' in page.text
    confirm = client.get(f"/appeals/{appeal.id}/withdraw")
    assert confirm.status_code == 200 and "Withdraw my appeal" in confirm.text
    unconfirmed = client.post(f"/appeals/{appeal.id}/withdraw", data={"reason": "Changed my mind"})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.text
    assert db.scalar(select(func.count()).select_from(AppealWithdrawal)) == 0
    done = client.post(f"/appeals/{appeal.id}/withdraw", data={"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/appeals/{appeal.id}")
    shown = client.get(f"/appeals/{appeal.id}")
    assert "Withdrawn by the candidate" in shown.text and "withdraw\"" not in shown.text
    assert "The result stands as released" in shown.text and "None given" in shown.text
    again = client.post(f"/appeals/{appeal.id}/withdraw", data={"confirm": "y"})
    assert again.status_code == 422


def test_another_candidate_cannot_withdraw_an_appeal_that_is_not_theirs(client, db, released, lodge, make_user,
                                                                       clock):
    clock.set(LATER)
    appeal = lodge()
    _sign_in(client, make_user(Role.CANDIDATE))
    assert client.get(f"/appeals/{appeal.id}/withdraw").status_code == 404
    assert client.post(f"/appeals/{appeal.id}/withdraw", data={"confirm": "y"}).status_code == 404
    assert queries.appeal_view(db, appeal.id).status is Status.AWAITING_PANEL
