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

    def make(n_candidates=24, answers=None, n_case_studies=2):
        from tests.assessment.delivery.conftest import T0 as start
        sitting = make_sitting()
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
