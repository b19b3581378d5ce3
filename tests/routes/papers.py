"""Routes of exam specs and papers: examiners build, administrators may look."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

VIEW = roles(Role.EXAMINER, Role.ADMIN)
BUILD = roles(Role.EXAMINER)

# Visited in name order within one test, so the POSTs are chosen to leave the later GETs working:
# the draft paper stays a draft (publishing it is refused: it does not meet its spec).
ROUTES = {
    "papers.specs": Route("/item-bank/specs", VIEW),
    "papers.new_spec": Route("/item-bank/specs/new", BUILD),
    "papers.spec": Route("/item-bank/specs/{spec_id}", VIEW),
    "papers.edit_spec": Route("/item-bank/specs/{spec_id}/edit", BUILD),
    "papers.copy_spec": Route("/item-bank/specs/{spec_id}/copy", BUILD, method="POST", ok=302),
    "papers.new_paper": Route("/item-bank/specs/{spec_id}/papers", BUILD, method="POST", ok=302,
                              data={"title": "Another draft"}),
    "papers.assemble": Route("/item-bank/specs/{spec_id}/assemble", BUILD, method="POST", ok=422),
    "papers.papers": Route("/item-bank/papers", VIEW),
    "papers.paper": Route("/item-bank/papers/{draft_paper_id}", VIEW),
    "papers.preview_paper": Route("/item-bank/papers/{published_paper_id}/preview", VIEW),
    "papers.add_entry": Route("/item-bank/papers/{draft_paper_id}/entries", BUILD, method="POST", ok=422),
    "papers.move_entry": Route("/item-bank/papers/{draft_paper_id}/entries/{entry_id}/move", BUILD,
                               method="POST", ok=302, data={"direction": "down"}),
    "papers.remove_entry": Route("/item-bank/papers/{draft_paper_id}/entries/{entry_id}/remove", BUILD,
                                 method="POST", ok=302),
    "papers.publish": Route("/item-bank/papers/{draft_paper_id}/publish", BUILD, method="POST", ok=409,
                            data={"confirmed": "yes"}),
    "papers.delete_paper": Route("/item-bank/papers/{deletable_paper_id}/delete", BUILD, method="POST", ok=302),
}


def _approved_case_study(db, writer, reviewer, primaries, now):
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.workflow import Action
    from tests.item_bank.conftest import sba_content

    version = authoring.create_case_study(db, actor=writer.actor, title="Route table case study",
                                          scenario_html="<p>Sam, 40, after a fall.</p>", now=now)
    for primary in primaries:
        authoring.save_item(db, actor=writer.actor, version_id=version.id, content=sba_content(primary=primary),
                            now=now)
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
        review.transition(db, actor=writer.actor if action == Action.SUBMIT else reviewer.actor,
                          version_id=version.id, action=action, comment="Fine", now=now)
    return version.case_study_id


def build_context(db, make_user, framework):
    from item_bank.papers import rules, services

    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    writer, reviewer, examiner = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER), make_user(Role.EXAMINER)
    first = _approved_case_study(db, writer, reviewer, ("1.1", "6.3", "13.1", "19.2"), now)
    second = _approved_case_study(db, writer, reviewer, ("2.1", "7.2", "14.1", "20.1"), now)
    fields = rules.SpecFields(title="Route table spec", total_marks=8, total_marks_tolerance=0, duration_min=60,
                              min_case_studies=2, max_case_studies=2,
                              theme_marks={theme: (2, 0) for theme in "ABCD"})
    spec = services.create_spec(db, actor=examiner.actor, fields=fields, now=now)
    published = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="Published", now=now)
    for case_study_id in (first, second):
        services.add_case_study(db, actor=examiner.actor, paper_id=published.id, case_study_id=case_study_id,
                                now=now)
    services.publish_paper(db, actor=examiner.actor, paper_id=published.id, now=now)
    # A second, editable spec; the draft paper on it has one case study of the two it needs.
    open_spec = services.create_spec(db, actor=examiner.actor, fields=fields, now=now)
    draft = services.create_paper(db, actor=examiner.actor, spec_id=open_spec.id, title="Draft", now=now)
    entry = services.add_case_study(db, actor=examiner.actor, paper_id=draft.id, case_study_id=first, now=now)
    services.add_case_study(db, actor=examiner.actor, paper_id=draft.id, case_study_id=second, now=now)
    services.remove_entry(db, actor=examiner.actor, paper_id=draft.id,
                          entry_id=draft.entries[-1].id, now=now)
    deletable = services.create_paper(db, actor=examiner.actor, spec_id=open_spec.id, title="To delete", now=now)
    return {"spec_id": open_spec.id, "locked_spec_id": spec.id, "draft_paper_id": draft.id, "entry_id": entry.id,
            "published_paper_id": published.id, "deletable_paper_id": deletable.id}
