"""A sitting whose candidates sat the paper through the real delivery services."""
import datetime as dt
import random

import pytest

from core.roles import Role
from assessment.delivery import services as delivery
from tests.assessment.delivery.conftest import (T0, booked_candidate, make_published_paper,  # noqa: F401 - fixtures
                                                make_sitting)

AFTER = T0 + dt.timedelta(hours=9)  # every attempt has ended by then


def answers_for(n_candidates: int, n_items: int, seed: int = 7) -> list[list[str | None]]:
    """Simulated answers: stronger candidates choose the key (B) more often; some omit."""
    rng = random.Random(seed)
    out = []
    for i in range(n_candidates):
        ability = (i + 0.5) / n_candidates
        row = []
        for j in range(n_items):
            difficulty = 0.15 + 0.7 * j / max(1, n_items - 1)
            r = rng.random()
            if r < 0.05:
                row.append(None)
            elif rng.random() < 0.25 + 0.7 * ability * (1.2 - difficulty):
                row.append("B")
            else:
                row.append(rng.choice("ACD"))
        out.append(row)
    return out


@pytest.fixture
def sat_sitting(db, make_sitting, booked_candidate):
    """``make(n_candidates, answers=None)`` → (sitting, [(candidate, attempt)]): each candidate starts,
    answers every slot by its item (the item's own position on the paper), and submits."""

    def make(n_candidates=24, answers=None, papers=None):
        from item_bank.models import ItemVersion
        from tests.assessment.delivery.conftest import T0 as start
        sitting = make_sitting(papers=papers)
        people = []
        grid = answers
        for i in range(n_candidates):
            candidate = booked_candidate(sitting)
            now = start + dt.timedelta(minutes=5)
            attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab",
                                             now=now, rng=random.Random(i))
            if grid is None:
                grid = answers_for(n_candidates, len(attempt.slots))
            seq = 0
            for slot in attempt.slots:
                answer = grid[i][slot.slot - 1]
                if answer is not None and db.get(ItemVersion, slot.item_version_id).item_type == "constructed_response":
                    answer = f"Written answer of candidate {i}"
                if answer is None:
                    continue
                ack = delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot.slot,
                                             payload={"answer": answer}, seen_seq=seq,
                                             client_step_id=f"c{slot.slot}", device_id="tab", now=now)
                seq = ack.seq
            delivery.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id,
                                    now=now + dt.timedelta(minutes=30))
            people.append((candidate, attempt))
        return sitting, people

    return make


@pytest.fixture
def examiner(make_user):
    return make_user(Role.EXAMINER)


@pytest.fixture
def make_written_paper(db, framework, make_user):
    """A published paper of one approved case study: two SBA items and one written answer (max 3)."""
    from item_bank.authoring import services as authoring
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.review import services as review
    from item_bank.workflow import Action
    from tests.factories import sba_content
    from tests.item_bank.conftest import CONSTRUCTED_RESPONSE

    def make():
        author, reviewer, examiner = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER), make_user(Role.EXAMINER)
        version = authoring.create_case_study(db, actor=author.actor, title="Written answers",
                                              scenario_html="<p>Sam, 40, after a stroke.</p>", now=T0)
        for content in (sba_content(stem="First"), sba_content(stem="Second"), CONSTRUCTED_RESPONSE):
            authoring.save_item(db, actor=author.actor, version_id=version.id, now=T0, content=content)
        for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
            review.transition(db, actor=author.actor if action == Action.SUBMIT else reviewer.actor,
                              version_id=version.id, action=action, comment="Reason given", now=T0)
        spec = ExamSpec(title="Written spec", total_marks=5, total_marks_tolerance=0, duration_min=60,
                        min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={},
                        item_type_mix={}, enemy_sets=[], created_by_id=examiner.id, created_at=T0, updated_at=T0)
        db.add(spec)
        db.flush()
        paper = ExamPaper(title="Written paper", exam_spec_id=spec.id, is_published=True, created_by_id=examiner.id,
                          created_at=T0, published_at=T0)
        db.add(paper)
        db.flush()
        db.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
        db.flush()
        db.refresh(paper)
        return paper

    return make
