"""``cop scoring …``: make runs, list them, compare two, export one.

ITEM is an item's label as in the exports: ``I<item id>``. Bad input gives one line and a
non-zero exit, and writes nothing (the file is written only once the export is complete)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.errors import ValidationFailed
from core.roles import SYSTEM
from scoring.runs import dif, exports, queries, rules, services

scoring_cli = AppGroup("scoring", help="Scoring runs: score a sitting, compare runs, export the numbers.")


def _rekeys(values) -> dict:
    out = {}
    for value in values:
        try:
            label, key = rules.parse_rekey(value)
        except ValueError as error:
            raise ValidationFailed(f"--rekey: {error}") from None
        out[label] = key
    return out


@scoring_cli.command("run")
@click.option("--sitting", "sitting_id", type=int, required=True, help="The sitting to score.")
@click.option("--paper", "paper_id", type=int, default=None,
              help="The paper to score, when the candidates sat parallel papers (one run per paper).")
@click.option("--exclude", multiple=True, metavar="ITEM", help="Leave an item out (repeatable).")
@click.option("--rekey", multiple=True, metavar="ITEM=KEY", help="Score an item against a corrected key (repeatable).")
@click.option("--second-key", multiple=True, metavar="ITEM=KEY", help="Accept another option of an item too.")
@click.option("--reason", default="", help="Why (needed with --exclude, --rekey or --second-key).")
@one_line_errors
def run(sitting_id, paper_id, exclude, rekey, second_key, reason):
    """Score a sitting (one paper of it); prints the new run's id."""
    made = services.run_scoring(db.session(), actor=SYSTEM, sitting_id=sitting_id, now=utcnow(), exclude=exclude,
                                rekey=_rekeys(rekey), second_keys=_rekeys(second_key), reason=reason,
                                exam_paper_id=paper_id)
    db.session().commit()
    click.echo(made.id)


@scoring_cli.command("runs")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@one_line_errors
def list_runs(as_json):
    """Every run: id, sitting, when it was made, provisional or final."""
    rows = queries.runs(db.session(), SYSTEM)
    if as_json:
        click.echo(json.dumps([{"id": r.id, "sitting": r.sitting_id, "paper": r.exam_paper_id,
                                "created": r.created_at.isoformat(), "status": r.status} for r in rows], indent=2))
        return
    for r in rows:
        click.echo(f"{r.id:>6}  sitting {r.sitting_id:<6} paper {r.exam_paper_id:<6} "
                   f"{r.created_at:%Y-%m-%d %H:%M}Z  {r.status}")


@scoring_cli.command("compare")
@click.argument("run_a", type=int)
@click.argument("run_b", type=int)
@click.option("--cut", type=float, default=None, help="A pass mark: also list every changed outcome.")
@one_line_errors
def compare(run_a, run_b, cut):
    """Candidates whose total (or outcome) changes between two runs, and items whose statistics change."""
    _a, _b, result = queries.compare_runs(db.session(), SYSTEM, run_a, run_b, cut)
    click.echo(f"Candidates whose total changes: {len(result.candidates)}")
    for c in result.candidates:
        line = f"  candidate {c.candidate}: {_fmt(c.total_a)} → {_fmt(c.total_b)}"
        if cut is not None:
            line += f" ({c.outcome_a or '—'} → {c.outcome_b or '—'})"
        click.echo(line)
    if cut is not None:
        click.echo(f"Outcomes that change at {cut:g}: {len(result.outcome_changes)}")
    click.echo(f"Items whose statistics or decisions change: {len(result.items)}")
    for item in result.items:
        click.echo(f"  {item.label}: " + "; ".join(f"{what} {_fmt(a)} → {_fmt(b)}" for what, a, b in item.changes))


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@scoring_cli.command("export")
@click.option("--run", "run_id", type=int, required=True)
@click.option("--what", type=click.Choice(exports.WHATS), required=True)
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--cut", type=float, default=None, help="A pass mark for the outcomes of the scores export.")
@one_line_errors
def export(run_id, what, fmt, output, cut):
    """Write the scored matrix, the totals or the item statistics of a run (layout: docs/psychometrics.md)."""
    if not output.parent.is_dir():
        raise ValidationFailed(f"There is no folder {output.parent}.")
    data = exports.export_bytes(db.session(), SYSTEM, run_id, what, fmt, cut)
    try:
        output.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"Could not write {output}: {error.strerror}") from None
    click.echo(f"Wrote {output}")


@scoring_cli.command("quality")
@click.option("--run", "run_id", type=int, required=True)
@click.option("--cut", default=None, metavar="X",
              help="A pass mark (default: the sitting's pass mark setting, if any) for the decision figures.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@one_line_errors
def quality_command(run_id, cut, as_json):
    """Case-study reliability, local dependence (Q3) and, at a cut, decision consistency and accuracy."""
    from scoring.runs.quality import flag_sentence

    page = queries.run_quality(db.session(), SYSTEM, run_id, cut)
    if page.cut_problem:
        raise ValidationFailed(f"--cut: {page.cut_problem}.")
    if as_json:
        click.echo(json.dumps({"run": run_id, **page.fixed, "decision": page.decision}, indent=2))
        return
    testlets, dep = page.fixed.get("testlets", {}), page.fixed.get("dependence", {})
    if testlets.get("problem"):
        click.echo(testlets["problem"])
    else:
        click.echo(f"Alpha over case-study scores: {_fmt(testlets['alpha'])} (over items: {_fmt(testlets['item_alpha'])})")
    if dep.get("problem"):
        click.echo(dep["problem"])
    else:
        flagged = [p for p in dep["pairs"] if p["flagged"]]
        click.echo(f"Local dependence ({dep['model']}): mean Q3 {_fmt(dep['mean_q3'])}; "
                   f"{len(flagged)} pair(s) of one case study flagged")
        for pair in flagged:
            click.echo(f"  {flag_sentence(pair)}")
    d = page.decision
    if d is None:
        click.echo("No pass mark: give --cut X for decision consistency and accuracy.")
    elif d.get("problem"):
        click.echo(d["problem"])
    else:
        click.echo(f"At a pass mark of {d['cut']:g}: CSEM {_fmt(d['csem_at_cut'])}; {d['within_one_csem']} of "
                   f"{d['n_candidates']} candidate(s) within ±1 CSEM")
        if d["livingston_lewis"]:
            ll = d["livingston_lewis"]
            click.echo(f"  Livingston–Lewis: accuracy {_fmt(ll['accuracy'])}, consistency {_fmt(ll['consistency'])}, "
                       f"false pass {_fmt(ll['false_pass'])}, false fail {_fmt(ll['false_fail'])}, "
                       f"expected misclassified {_fmt(ll['expected_misclassified'])}")
        if d["subkoviak"]:
            click.echo(f"  Subkoviak: agreement {_fmt(d['subkoviak']['agreement'])}, kappa {_fmt(d['subkoviak']['kappa'])}")
        for note in d["notes"]:
            click.echo(f"  Note: {note}")


@scoring_cli.command("dif")
@click.option("--run", "run_id", type=int, required=True)
@click.option("--question", "question_key", required=True, metavar="KEY", help="A monitoring question's key (e.g. sex).")
@click.option("--reference", required=True, metavar="VALUE", help="The reference group: an answer's value.")
@click.option("--focal", required=True, metavar="VALUE", help="The focal group: an answer's value.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@one_line_errors
def dif_command(run_id, question_key, reference, focal, as_json):
    """Mantel–Haenszel DIF of every item of a run between two groups of consenting candidates."""
    from flask import current_app

    report = dif.dif_report(db.session(), SYSTEM, run_id, question_key=question_key, reference=reference, focal=focal,
                            min_group=current_app.config["DIF_MIN_GROUP"])
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
        return
    click.echo(f"Run {run_id}, {report.question_text} {report.focal_label} (focal, {report.n_focal}) against "
               f"{report.reference_label} (reference, {report.n_reference}), matched on the run's total")
    click.echo(f"{'item':<10}{'category':<10}{'odds ratio':>12}{'D-DIF':>9}{'chi-square':>12}{'p':>9}{'SMD/SD':>9}")
    for r in report.rows:
        click.echo(f"{r.label:<10}{(r.category or '—') + r.direction:<10}{_fmt(r.odds_ratio):>12}{_fmt(r.d_dif):>9}"
                   f"{_fmt(r.chi_square):>12}{_fmt(r.p_value):>9}{_fmt(r.smd_ratio):>9}")
    click.echo(f"Moderate to large DIF (C or CC): {', '.join(r.label for r in report.large) or 'none'}")
