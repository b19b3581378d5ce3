"""Factories shared by the whole suite: item-bank content and case studies (they flush, never commit)."""
from __future__ import annotations

import pytest



def sba_content(primary="6.3", others=(), key="B", stem="Which action should the case manager take first?"):
    return {
        "type": "sba", "stem": f"<p>{stem}</p>", "rationale": "B addresses the immediate risk.",
        "reference": "Standards of Proficiency", "estimated_facility": 0.6,
        "substandards": {"primary": primary, "others": list(others)},
        "options": [{"id": o, "text": f"Option {o} text"} for o in "ABCD"], "key": key, "shuffle": True,
    }


@pytest.fixture
def make_case_study(db, framework, make_user):
    """A case study written by ``author`` (a new item writer by default) with ``n_items`` SBA items,
    taken to ``status`` through the real workflow."""
    import datetime as _dt

    from core.roles import Role
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.workflow import Action, Status

    def make(status=Status.DRAFT, *, author=None, n_items=3, title="A road traffic collision",
             primaries=("1.1", "6.3", "13.1", "19.2"), reviewer=None):
        now = _dt.datetime.now(_dt.timezone.utc)
        author = author or make_user(Role.ITEM_WRITER)
        version = authoring.create_case_study(db, actor=author.actor, title=title,
                                              scenario_html="<p>Jo, 24, was hurt in a collision.</p>", now=now)
        for index in range(n_items):
            authoring.save_item(db, actor=author.actor, version_id=version.id, now=now,
                                content=sba_content(primary=primaries[index % len(primaries)],
                                                    stem=f"Question {index + 1}: what next?"))
        path = {Status.DRAFT: [], Status.SUBMITTED: [Action.SUBMIT],
                Status.IN_REVIEW: [Action.SUBMIT, Action.START_REVIEW],
                Status.APPROVED: [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE],
                Status.CHANGES_REQUESTED: [Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_CHANGES],
                Status.REJECTED: [Action.SUBMIT, Action.START_REVIEW, Action.REJECT]}[Status(status)]
        reviewer = reviewer or make_user(Role.ITEM_REVIEWER)
        for action in path:
            actor = author.actor if action == Action.SUBMIT else reviewer.actor
            review.transition(db, actor=actor, version_id=version.id, action=action, comment="Reason given", now=now)
        db.refresh(version)
        return version

    return make
