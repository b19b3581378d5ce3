"""Scoring a sitting: read every ended attempt's final answers, mark them with the engine's rules
(constructed responses take the markers' final marks), run the engine's item analysis, and store
it all as one immutable run. A changed decision (an excluded item, a corrected key, an accepted
second key) is a new run that records the reason; old runs stay.

Reading: every attempt's final answers come from ``scoring.runs.responses.sitting_answers`` in a
fixed number of statements (equal to ``assessment.delivery.services.final_responses`` attempt by
attempt; a test holds them equal); the rows are stored with bulk inserts, so a sitting of thousands
costs a handful of statements.
"""
from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.delivery.models import Attempt, Sitting
from assessment.delivery.replay import AttemptState
from assessment.delivery.services import require_not_candidate_in
from item_bank.models import ExamPaper, ItemVersion
from scoring.psychometrics import distractor_analysis, item_analysis, mark_response
from scoring.runs import quality, rules
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore
from scoring.runs.responses import sitting_answers

REASON_MAX = 2000
STATISTICS = "statistics"  # the key of settings holding the case-study and Q3 figures
EMPTY = (None, "", [], {})  # an omitted answer (a cleared one too) scores 0


@functools.cache
def code_version() -> str:
    """The platform's package version and, when the code runs from a git checkout, its commit."""
    try:
        version = importlib.metadata.version("cop-platform")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    commit = os.environ.get("COP_GIT_COMMIT", "")
    if not commit:
        try:
            commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=Path(__file__).resolve().parent,
                                    capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            commit = ""
    return f"{version}+{commit}" if commit else version


def _nan_to_none(value):
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


class _Item:
    """One slot of the sitting's paper as this run scores it."""

    def __init__(self, slot: int, version: ItemVersion):
        self.slot = slot
        self.version = version
        self.label = rules.item_label(version.item_id)
        self.content = version.content
        self.kind = version.content.get("type", version.item_type)
        self.key = rules.current_key(version.content)
        self.original_key = None
        self.accepted: list[str] = []
        self.excluded = False
        self.max_mark = float(version.max_mark)

    @property
    def is_constructed(self) -> bool:
        return self.kind == "constructed_response"


def _sitting_for_scoring(session: Session, actor: Actor, sitting_id: int) -> Sitting:
    require_role(actor, Role.EXAMINER)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("There is no such sitting.")
    require_not_candidate_in(session, actor, sitting)
    if sitting.is_practice:
        raise Conflict("The practice exam is not scored.")
    return sitting


def _decisions(items: list[_Item], exclude, rekey: dict, second_keys: dict, reason: str) -> None:
    """Apply the run's decisions to its items, collecting every problem before refusing."""
    by_label = {item.label: item for item in items}
    problems: list[FieldProblem] = []
    for label in exclude:
        if label not in by_label:
            problems.append(FieldProblem("exclude", f"{label} is not an item of this sitting's paper"))
        else:
            by_label[label].excluded = True
    for field, given in (("rekey", rekey), ("second_keys", second_keys)):
        for label, text in given.items():
            item = by_label.get(label)
            if item is None:
                problems.append(FieldProblem(field, f"{label} is not an item of this sitting's paper"))
                continue
            try:
                if field == "rekey":
                    key = rules.parse_key(item.content, str(text))
                    if key != item.key:
                        item.original_key, item.key = item.key, key
                else:
                    item.accepted = rules.parse_second_keys(item.content, str(text))
                    if item.key in item.accepted:
                        raise ValueError("a second key must differ from the key")
            except ValueError as error:
                problems.append(FieldProblem(field, f"{label}: {error}"))
    if all(item.excluded for item in items):
        problems.append(FieldProblem("exclude", "A run needs at least one item that is not excluded"))
    if (exclude or rekey or second_keys) and not reason.strip():
        problems.append(FieldProblem("reason", "Give the reason for excluding an item or changing a key: "
                                               "it is kept with the run"))
    if len(reason) > REASON_MAX:
        problems.append(FieldProblem("reason", f"Keep the reason under {REASON_MAX} characters"))
    if problems:
        raise ValidationFailed("The run cannot be made", problems)


def _constructed_marks(session: Session, sitting_id: int, now: dt.datetime) -> tuple[dict, int]:
    from scoring.marking.queries import final_marks, outstanding_scripts

    return final_marks(session, sitting_id, now=now), outstanding_scripts(session, sitting_id, now=now)


def _cell_key(answer) -> str:
    return json.dumps(answer, sort_keys=True) if not isinstance(answer, str) else "s:" + answer


def papers_sat(session: Session, sitting_id: int) -> list[tuple[int, str]]:
    """(paper id, title) of every paper the sitting's candidates sat, by id."""
    return [tuple(row) for row in session.execute(
        select(ExamPaper.id, ExamPaper.title).where(ExamPaper.id.in_(
            select(Attempt.exam_paper_id).where(Attempt.sitting_id == sitting_id))).order_by(ExamPaper.id))]


def _paper_to_score(session: Session, sitting: Sitting, exam_paper_id: int | None) -> int | None:
    """The paper a run analyses: required when the candidates sat more than one (parallel
    papers are scored one at a time; each run is of one paper)."""
    sat = papers_sat(session, sitting.id)
    if exam_paper_id is None:
        if len(sat) > 1:
            names = "; ".join(f"{title} (paper {paper_id})" for paper_id, title in sat)
            raise ValidationFailed("The run cannot be made", [FieldProblem(
                "exam_paper_id", f"This sitting's candidates sat {len(sat)} papers ({names}): choose the paper to "
                                 "score. A run analyses one paper")])
        return None
    if exam_paper_id not in {paper_id for paper_id, _title in sat}:
        raise ValidationFailed("The run cannot be made", [FieldProblem(
            "exam_paper_id", f"No candidate of this sitting sat paper {exam_paper_id}: choose one of the papers "
                             "they sat")])
    return exam_paper_id


def run_scoring(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime, exclude=(),
                rekey: dict | None = None, second_keys: dict | None = None, reason: str = "",
                exam_paper_id: int | None = None) -> ScoringRun:
    """Score the sitting's ended attempts and store the run. ``exclude`` lists item labels,
    ``rekey`` maps a label to a corrected key written as text (``rules.parse_key``), ``second_keys``
    maps a single-best-answer item's label to the other options it accepts ("B" or "B,D").
    ``exam_paper_id`` chooses the paper when the candidates sat parallel papers (required then;
    optional otherwise): the run scores only the attempts of that paper."""
    rekey, second_keys = dict(rekey or {}), dict(second_keys or {})
    exclude = list(dict.fromkeys(exclude))
    sitting = _sitting_for_scoring(session, actor, sitting_id)
    exam_paper_id = _paper_to_score(session, sitting, exam_paper_id)

    read = sitting_answers(session, sitting.id, now, exam_paper_id)
    still_open = [a for a in read.attempts if a.state.is_open]
    if still_open:
        raise Conflict(f"{len(still_open)} attempt(s) of this sitting are still open; score it once every attempt "
                       "has ended.")
    scored = [a for a in read.attempts if a.state != AttemptState.VOIDED]
    if len(scored) < 2:
        raise Conflict("A scoring run needs at least 2 ended attempts that were not voided.")
    papers = {a.exam_paper_id for a in scored}
    if len(papers) > 1:  # a guard: _paper_to_score has chosen one paper when the candidates sat several
        raise Conflict("The attempts of this sitting used more than one paper: choose the paper to score.")
    if read.layout is None:
        raise Conflict("The attempts of this sitting do not share one set of items, so they cannot be scored "
                       "as one paper.")
    versions = {v.id: v for v in session.scalars(select(ItemVersion).where(
        ItemVersion.id.in_([version for _slot, version in read.layout])))}
    items = [_Item(slot, versions[version]) for slot, version in read.layout]
    _decisions(items, exclude, rekey, second_keys, reason)

    item_kinds = [item.kind for item in items]
    constructed: dict = {}
    outstanding = 0
    if any(item.is_constructed for item in items):
        constructed, outstanding = _constructed_marks(session, sitting.id, now)

    n, k = len(scored), len(items)
    row_of = {a.id: i for i, a in enumerate(scored)}
    matrix = np.zeros((n, k))
    choices = np.full((n, k), "", dtype=object)
    cr_rows: list[dict] = [{} for _ in range(n)]
    missing_marks = 0
    for j, item in enumerate(items):
        if not item.is_constructed:
            continue
        for i, attempt in enumerate(scored):
            mark = constructed.get((attempt.id, item.slot))
            if mark is None:
                missing_marks += 1 if read.answers.get((attempt.id, item.slot)) not in EMPTY else 0
            else:
                matrix[i, j] = float(mark)
                cr_rows[i][item.label] = float(mark)
    column = {item.slot: j for j, item in enumerate(items)}
    contents = [rules.with_key(item.content, item.key) if item.original_key is not None else item.content
                for item in items]
    cache: dict[tuple[int, str], float] = {}
    for (attempt_id, slot), answer in read.answers.items():
        i, j = row_of.get(attempt_id), column.get(slot)
        if i is None or j is None or items[j].is_constructed or answer in EMPTY:
            continue
        cell = (j, _cell_key(answer))
        mark = cache.get(cell)
        if mark is None:
            item = items[j]
            if item.accepted and isinstance(answer, str) and answer in item.accepted:
                mark = item.max_mark
            else:
                try:
                    mark = mark_response(contents[j], answer).mark
                except ValueError as error:
                    raise Conflict(f"{item.label}: an answer cannot be marked ({error}).") from None
            cache[cell] = mark
        matrix[i, j] = mark
        if item_kinds[j] == "sba":
            choices[i, j] = answer
    kept = [j for j, item in enumerate(items) if not item.excluded]
    x = matrix[:, kept]
    labels = [items[j].label for j in kept]
    sba = [j for j in kept if items[j].kind == "sba"]
    option_analysis = None
    if sba:
        keys = [items[j].key if items[j].kind == "sba" else "-" for j in kept]
        options = [[str(o["id"]) for o in items[j].content.get("options", [])] if items[j].kind == "sba" else []
                   for j in kept]
        choice_matrix = np.where(np.array([items[j].kind == "sba" for j in kept])[None, :], choices[:, kept], "-")
        analysed = distractor_analysis(choice_matrix, keys, scores=x, options=options, items=labels)
        option_analysis = tuple(a if items[j].kind == "sba" else None for a, j in zip(analysed, kept))
    analysis = item_analysis(x, items=labels, max_scores=[items[j].max_mark for j in kept],
                             option_analysis=option_analysis)
    summary = analysis.summary
    totals = x.sum(axis=1)
    provisional = outstanding > 0 or missing_marks > 0
    notes = list(summary.notes)
    if provisional:
        notes.insert(0, f"Provisional: marking of written answers is not finished ({outstanding} script(s) "
                        f"outstanding, {missing_marks} mark(s) missing, scored 0 for now).")
    voided = len(read.attempts) - len(scored)
    if voided:
        notes.append(f"{voided} voided attempt(s) left out")

    testlets = [f"CS{items[j].version.case_study_version.case_study_id}" for j in kept]
    titles = {t: items[j].version.case_study_version.title for t, j in zip(testlets, kept)}
    fixed = quality.fixed_statistics(x, labels, testlets, titles, [items[j].max_mark for j in kept])
    notes.extend(fixed["dependence"].get("notes", []))  # categories merged for the partial credit model

    previous = session.scalar(select(ScoringRun.id).where(ScoringRun.sitting_id == sitting.id,
                                                          ScoringRun.exam_paper_id == next(iter(papers)))
                              .order_by(ScoringRun.id.desc()).limit(1))
    dist = summary.distribution
    run = ScoringRun(
        sitting_id=sitting.id, exam_paper_id=next(iter(papers)), previous_run_id=previous,
        is_provisional=provisional, outstanding_scripts=outstanding, reason=reason.strip(),
        settings={"exclude": [i.label for i in items if i.excluded],
                  "rekey": {i.label: i.key for i in items if i.original_key is not None},
                  "second_keys": {i.label: i.accepted for i in items if i.accepted},
                  # Not a decision: what the run found, fixed at run time (scoring.runs.quality).
                  STATISTICS: fixed},
        code_version=code_version(), created_by_id=actor.user_id, created_at=now,
        n_candidates=n, n_items=len(kept), max_score=summary.max_score,
        alpha=_nan_to_none(summary.alpha), kr20=_nan_to_none(summary.kr20), kr21=_nan_to_none(summary.kr21),
        sem=_nan_to_none(summary.sem), mean=_nan_to_none(dist.mean), sd=_nan_to_none(dist.sd),
        min_score=_nan_to_none(dist.min), max_observed=_nan_to_none(dist.max),
        percentiles=[[p, v] for p, v in dist.percentiles],
        histogram=[[t, c] for t, c in sorted(Counter(round(float(t), 4) for t in totals).items())],
        notes=notes)
    session.add(run)
    session.flush()

    stats = {s.item: s for s in analysis.items}
    item_rows = []
    for item in items:
        s = stats.get(item.label)
        opts = s.options if s is not None else None
        item_rows.append({
            "run_id": run.id, "position": item.slot, "label": item.label, "item_id": item.version.item_id,
            "item_version_id": item.version.id, "item_type": item.kind, "rule": rules.rule_of(item.content),
            "key": item.key, "original_key": item.original_key, "accepted_keys": item.accepted,
            "is_excluded": item.excluded, "max_mark": item.max_mark,
            "facility": _nan_to_none(s.facility) if s else None, "mean": _nan_to_none(s.mean) if s else None,
            "pbis": _nan_to_none(s.pbis) if s else None,
            "pbis_corrected": _nan_to_none(s.pbis_corrected) if s else None,
            "biserial": _nan_to_none(s.biserial) if s else None,
            "discrimination_ul27": _nan_to_none(s.discrimination_ul27) if s else None,
            "alpha_if_deleted": _nan_to_none(s.alpha_if_deleted) if s else None,
            "flags": list(s.flags) if s else [], "notes": list(s.notes) if s else [],
            "options": [{"option": o.option, "is_key": o.is_key, "proportion": _nan_to_none(o.proportion),
                         "upper": _nan_to_none(o.upper_proportion), "lower": _nan_to_none(o.lower_proportion),
                         "pbis_rest": _nan_to_none(o.pbis_rest)} for o in opts.options] if opts else [],
            "omitted": _nan_to_none(opts.omitted) if opts else None,
        })
    session.execute(insert(ScoringRunItem), item_rows)
    excluded = [j for j, item in enumerate(items) if item.excluded]
    score_rows = []
    for i, attempt in enumerate(scored):
        marks = matrix[i].tolist()
        for j in excluded:
            marks[j] = None
        score_rows.append({"run_id": run.id, "attempt_id": attempt.id, "candidate_id": attempt.candidate_id,
                           "marks": marks, "constructed_marks": cr_rows[i], "total": float(totals[i])})
    session.execute(insert(ScoringRunScore), score_rows)
    audit.record(session, actor=actor, action="scoring.run", target_type="scoring_run", target_id=run.id,
                 after={"sitting": sitting.id, "paper": run.exam_paper_id, "provisional": provisional,
                        "settings": {k: v for k, v in run.settings.items() if k != STATISTICS},
                        "reason": run.reason}, now=now)
    _record_statistics(session, actor, run, sitting, item_rows, now)
    return run


def _record_statistics(session: Session, actor: Actor, run: ScoringRun, sitting: Sitting, item_rows: list[dict],
                       now: dt.datetime) -> None:
    """Hand the run's item statistics to the item bank, so each item's page shows them per
    sitting and links back to the run. Excluded items have no statistics to give."""
    from item_bank.statistics.services import ItemStatisticsRow, OptionStatistic, record_item_statistics

    rows = [ItemStatisticsRow(
        item_version_id=r["item_version_id"], item_id=r["item_id"], n_candidates=run.n_candidates,
        max_mark=r["max_mark"], facility=r["facility"], pbis=r["pbis"], pbis_corrected=r["pbis_corrected"],
        upper_lower=r["discrimination_ul27"], alpha_if_deleted=r["alpha_if_deleted"], flags=tuple(r["flags"]),
        distractors=tuple(OptionStatistic(option=o["option"], is_key=o["is_key"], proportion=o["proportion"],
                                          pbis_rest=o["pbis_rest"], upper_proportion=o["upper"],
                                          lower_proportion=o["lower"]) for o in r["options"]))
        for r in item_rows if not r["is_excluded"]]
    record_item_statistics(session, actor=actor, scoring_run_id=run.id, sitting_id=sitting.id,
                           sitting_title=sitting.title, is_provisional=run.is_provisional, rows=rows, now=now)


def rerun(session: Session, *, actor: Actor, run_id: int, now: dt.datetime, exclude=(), rekey: dict | None = None,
          second_keys: dict | None = None, reason: str = "") -> ScoringRun:
    """A new run of the same sitting with the earlier run's decisions plus these."""
    run = get_run(session, actor, run_id)
    settings = run.settings or {}
    return run_scoring(session, actor=actor, sitting_id=run.sitting_id, now=now,
                       exclude=[*settings.get("exclude", []), *exclude],
                       rekey={**{label: _key_text(key) for label, key in settings.get("rekey", {}).items()},
                              **(rekey or {})},
                       second_keys={**{label: ",".join(keys) for label, keys in settings.get("second_keys", {}).items()},
                                    **(second_keys or {})},
                       reason=reason, exam_paper_id=run.exam_paper_id)


def _key_text(key) -> str:
    if isinstance(key, list):
        return ",".join(key)
    if isinstance(key, dict):
        return ",".join(f"{stem}:{option}" for stem, option in key.items())
    return str(key)


def get_run(session: Session, actor: Actor, run_id: int) -> ScoringRun:
    require_role(actor, Role.EXAMINER)
    run = session.get(ScoringRun, run_id)
    if run is None:
        raise NotFound("There is no such scoring run.")
    require_not_candidate_in(session, actor, session.get(Sitting, run.sitting_id))
    return run
