"""The exercise's record as CSV (every rating of every round, every round event with what judges
were shown, the resulting cuts) and as a PDF report."""
from __future__ import annotations

import csv
import io
import json

from flask import render_template
from sqlalchemy.orm import Session

from core.roles import Actor
from scoring.standard_setting import queries, services
from scoring.standard_setting.rules import Method

PDF_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; color: #0b0c0c; }
h1 { font-size: 16pt; } h2 { font-size: 12.5pt; margin-top: 14pt; } h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
th, td { border-bottom: 1px solid #b1b4b6; padding: 2pt 4pt; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding: 4pt 0; }
"""


def record_csv(session: Session, actor: Actor, exercise_id: int) -> str:
    exercise, ratings, names = queries.record_rows(session, actor, exercise_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "id", "round", "judge", "kind", "target", "value", "details", "at"])
    for r in ratings:
        writer.writerow(["rating", r.id, r.round, names.get(r.judge_id, ("", ""))[1], r.kind.value if hasattr(r.kind, "value")
                         else r.kind, r.target, "" if r.value is None else f"{r.value:.4f}",
                         json.dumps(r.payload, sort_keys=True) if r.payload else "", r.created_at.isoformat()])
    for e in services.events(session, exercise.id):
        writer.writerow(["event", e.id, e.round, "", e.kind.value if hasattr(e.kind, "value") else e.kind, "", "",
                         json.dumps(e.payload, sort_keys=True), e.created_at.isoformat()])
    for cut in queries.exercise_cuts(session, exercise.id):
        writer.writerow(["cut", "", "" if cut.round is None else cut.round, "", cut.method, "", f"{cut.cut:.4f}",
                         json.dumps({"standard_error": cut.standard_error}), ""])
    return out.getvalue()


def report_pdf(session: Session, actor: Actor, exercise_id: int) -> bytes:
    from core.pdf import html_to_pdf

    page = queries.dashboard(session, actor, exercise_id)
    _exercise, ratings, names = queries.record_rows(session, actor, exercise_id)
    html = render_template("standard_setting/report.html", page=page, ratings=ratings, names=names,
                           cuts=queries.exercise_cuts(session, exercise_id),
                           method_label=lambda m: Method(m).label)
    return html_to_pdf(html, stylesheet=PDF_CSS)
