"""A scoring run's differential item functioning (DIF) report, from consented monitoring data.

For one monitoring question and a reference and a focal answer, the engine's ``dif_analysis``
(Mantel–Haenszel with the ETS A/B/C categories for 0/1 items; Mantel's test and the standardised
mean difference with AA/BB/CC for items of more categories) on the run's stored matrix (kept items,
the run's order), matched on the run's total score. Only candidates whose consent stands and who
answered the question with something other than "Prefer not to say" are counted; when either group
is smaller than the minimum (the ``DIF_MIN_GROUP`` setting) the report is refused, so that no small
group is exposed. Nothing individual leaves this module: only group sizes and item figures.

The report is computed on request and stored nowhere: a candidate who withdraws consent is not
counted from then on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import FieldProblem, ValidationFailed
from core.roles import Actor
from assessment.accounts.monitoring import queries as monitoring
from scoring.psychometrics.dif import dif_analysis
from scoring.runs.queries import run_items, run_matrix, run_scores
from scoring.runs.services import get_run

LARGE = ("C", "CC")


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class DifRow:
    label: str
    item_id: int
    position: int
    item_type: str
    polytomous: bool
    category: str       # A/B/C (0/1 items), AA/BB/CC (others), "" undefined
    direction: str      # "+" favours the focal group, "−" the reference group
    odds_ratio: float | None  # α_MH (0/1 items)
    d_dif: float | None       # MH D-DIF, delta scale (0/1 items)
    d_dif_se: float | None
    chi_square: float | None  # MH (continuity corrected) or Mantel's
    p_value: float | None
    smd: float | None         # standardised mean difference (other items)
    smd_ratio: float | None   # SMD / item SD
    n_strata: int
    notes: tuple[str, ...]

    @property
    def is_large(self) -> bool:
        return self.category in LARGE


@dataclass(frozen=True)
class DifReport:
    run_id: int
    question_key: str
    question_text: str
    reference: str
    reference_label: str
    focal: str
    focal_label: str
    n_reference: int
    n_focal: int
    min_group: int
    rows: tuple[DifRow, ...]

    @property
    def large(self) -> list[DifRow]:
        return [r for r in self.rows if r.is_large]

    def as_json(self) -> dict:
        return {"run": self.run_id, "question": self.question_key, "reference": self.reference,
                "focal": self.focal, "n_reference": self.n_reference, "n_focal": self.n_focal,
                "min_group": self.min_group, "matching": "the run's total score (studied item included)",
                "items": [{"item": r.label, "category": r.category, "direction": r.direction,
                           "odds_ratio": r.odds_ratio, "d_dif": r.d_dif, "d_dif_se": r.d_dif_se,
                           "chi_square": r.chi_square, "p_value": r.p_value, "smd": r.smd, "smd_ratio": r.smd_ratio,
                           "n_strata": r.n_strata, "polytomous": r.polytomous} for r in self.rows]}


def dif_choices(session: Session, actor: Actor, run_id: int):
    """The questions a report may compare, each with its options except "Prefer not to say"
    (the run is loaded first, so an examiner who may not see it sees no choices either)."""
    get_run(session, actor, run_id)
    return [(q, [o for o in q.options if not o.is_prefer_not_to_say]) for q in monitoring.questions_for_analysis(session)]


def dif_report(session: Session, actor: Actor, run_id: int, *, question_key: str, reference: str, focal: str,
               min_group: int) -> DifReport:
    """The report, or ValidationFailed naming the field at fault (an unknown question or answer,
    the same answer twice, or a group below ``min_group``)."""
    run = get_run(session, actor, run_id)
    min_group = max(1, int(min_group))
    problems: list[FieldProblem] = []
    question = next((q for q in monitoring.questions_for_analysis(session) if q.key == question_key), None)
    if question is None:
        raise ValidationFailed("The DIF report cannot be made",
                               [FieldProblem("question", "Choose a monitoring question")])
    labels = {o.value: o.label for o in question.options if not o.is_prefer_not_to_say}
    for field, value in (("reference", reference), ("focal", focal)):
        if value not in labels:
            problems.append(FieldProblem(field, f"Choose the {field} group from the answers to “{question.text}”"))
    if not problems and reference == focal:
        problems.append(FieldProblem("focal", "Choose a focal group different from the reference group"))
    if problems:
        raise ValidationFailed("The DIF report cannot be made", problems)

    items = run_items(session, run.id)
    kept = [i for i in items if not i.is_excluded]
    x, _tops = run_matrix(session, run.id, items)
    candidates = [c for c, _m, _t in run_scores(session, run.id)]  # the matrix's row order
    groups = monitoring.consented_groups(session, question.id, candidates)
    group = [groups.get(c) for c in candidates]
    sizes = {"reference": group.count(reference), "focal": group.count(focal)}
    for field, value in (("reference", reference), ("focal", focal)):
        if sizes[field] < min_group:
            problems.append(FieldProblem(field, (
                f"Fewer than {min_group} candidates of this run consented and answered “{labels[value]}”: DIF is "
                "not reported for a group this small, so that no candidate can be singled out")))
    if problems:
        raise ValidationFailed("The DIF report cannot be made", problems)

    analysis = dif_analysis(x, group, reference=reference, focal=focal, items=[i.label for i in kept])
    rows = []
    for item, result in zip(kept, analysis.items):
        mh, poly = result.mh, result.polytomous
        rows.append(DifRow(
            label=item.label, item_id=item.item_id, position=item.position, item_type=item.item_type,
            polytomous=poly is not None, category=result.category, direction=result.direction,
            odds_ratio=_num(mh.alpha_mh) if mh else None, d_dif=_num(mh.d_dif) if mh else None,
            d_dif_se=_num(mh.d_dif_se) if mh else None,
            chi_square=_num(mh.chi_square if mh else poly.chi_square),
            p_value=_num(mh.p_value if mh else poly.p_value),
            smd=_num(poly.smd) if poly else None, smd_ratio=_num(poly.smd_ratio) if poly else None,
            n_strata=mh.n_strata if mh else poly.n_strata, notes=tuple(mh.notes if mh else poly.notes)))
    return DifReport(run.id, question.key, question.text, reference, labels[reference], focal, labels[focal],
                     analysis.n_reference, analysis.n_focal, min_group, tuple(rows))
