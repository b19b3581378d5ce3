"""Exports of a run: the scored matrix (``responses``), totals and outcomes (``scores``) and the
item statistics (``items``), as CSV, XLSX or JSON. The layout is documented in docs/psychometrics.md.

Every text cell passes ``rules.neutralise``, so a spreadsheet never reads one as a formula.
"""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.roles import Actor
from scoring.runs import rules
from scoring.runs.queries import run_items, run_scores
from scoring.runs.services import get_run

WHATS = ("responses", "scores", "items")
FORMATS = ("csv", "xlsx", "json")


def _number(value):
    """Whole marks as integers (so "1" not "1.0" in a CSV); others unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def table(session: Session, actor: Actor, run_id: int, what: str, cut: float | None = None):
    """(header, rows) of one export; ``items`` as a JSON-ready document instead."""
    if what not in WHATS:
        raise ValidationFailed(f"Choose what to export: {', '.join(WHATS)}")
    run = get_run(session, actor, run_id)
    items = run_items(session, run.id)
    kept = [(j, item) for j, item in enumerate(items) if not item.is_excluded]
    scores = run_scores(session, run.id)
    if what == "responses":
        header = ["candidate", *[item.label for _j, item in kept]]
        rows = [[candidate, *[_number(marks[j]) for j, _item in kept]] for candidate, marks, _total in scores]
        return run, header, rows
    if what == "scores":
        header = ["candidate", "total", "max_score", "outcome"]
        rows = [[candidate, _number(total), _number(run.max_score), rules.outcome(total, cut)]
                for candidate, _marks, total in scores]
        return run, header, rows
    document = {
        "run": run.id, "n_candidates": run.n_candidates, "alpha": run.alpha, "sem": run.sem,
        "items": [{"item": item.label, "max_mark": _number(item.max_mark), "facility": item.facility,
                   "pbis": item.pbis, "pbis_corrected": item.pbis_corrected,
                   "alpha_if_deleted": item.alpha_if_deleted, "flags": list(item.flags)} for _j, item in kept],
    }
    # The case-study figures stored with the run (scoring.runs.quality), read back as they are.
    document.update((run.settings or {}).get("statistics") or {})
    header = ["item", "max_mark", "facility", "pbis", "pbis_corrected", "alpha_if_deleted", "flags"]
    rows = [[i["item"], i["max_mark"], i["facility"], i["pbis"], i["pbis_corrected"], i["alpha_if_deleted"],
             " ".join(i["flags"])] for i in document["items"]]
    return run, header, rows, document


def export_bytes(session: Session, actor: Actor, run_id: int, what: str, fmt: str, cut: float | None = None) -> bytes:
    """The whole export as bytes, built in memory before anything is written anywhere."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"Choose a format: {', '.join(FORMATS)}")
    result = table(session, actor, run_id, what, cut)
    run, header, rows = result[0], result[1], result[2]
    if fmt == "json":
        if what == "items":
            document = result[3]
        else:
            document = {"run": run.id, "columns": header, "rows": rows}
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return tabular_bytes(what, header, rows, fmt)


def tabular_bytes(sheet_name: str, header: list, rows: list[list], fmt: str) -> bytes:
    """A header and rows as CSV or XLSX, every text cell neutralised (``rules.neutralise``)."""
    safe_header = [rules.neutralise(h) for h in header]
    safe_rows = [[rules.neutralise(v) for v in row] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; a CR inside a cell is then quoted too
        writer.writerow(safe_header)
        writer.writerows([["" if v is None else v for v in row] for row in safe_rows])
        return out.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(safe_header)
    for row in safe_rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
