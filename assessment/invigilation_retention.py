"""``cop invigilation purge``: the composition root's half of evidence retention.

Proctoring decides and deletes (``proctoring.retention``), but it sits below results, so the facts
it cannot know are gathered here, where every package may be read: the latest release of the
sitting's results that covers the candidate, whether an appeal against the attempt is open
(``assessment.results.appeals.queries.held_attempt_ids``) and when an examiner last decided on the
attempt's result.
"""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM
from assessment.delivery.models import Attempt
from assessment.results.appeals.queries import held_attempt_ids
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
from proctoring.retention.rules import RetentionSettings
from proctoring.retention.services import MediaScope, PurgeReport, UpperFacts, media_scopes, purge


def upper_facts(session: Session, scopes: list[MediaScope]) -> dict[int, UpperFacts]:
    """Release, appeal and examiner facts for each invigilation. Released: the latest release that
    holds a result of the candidate's attempt in the sitting; a candidate who never started an
    attempt is released with the sitting's latest release; an attempt that no release covers is
    not released."""
    held = held_attempt_ids(session)
    facts: dict[int, UpperFacts] = {}
    for scope in scopes:
        attempts = set(scope.attempt_ids) | set(session.scalars(select(Attempt.id).where(
            Attempt.sitting_id == scope.sitting_id, Attempt.candidate_id == scope.candidate_id)))
        if attempts:
            released_at = session.scalar(select(func.max(ResultRelease.released_at))
                                         .join(CandidateResult, CandidateResult.release_id == ResultRelease.id)
                                         .where(CandidateResult.attempt_id.in_(attempts)))
            decided_at = session.scalar(select(func.max(ExaminerResultDecision.decided_at))
                                        .where(ExaminerResultDecision.attempt_id.in_(attempts)))
        else:
            released_at = session.scalar(select(func.max(ResultRelease.released_at))
                                         .where(ResultRelease.sitting_id == scope.sitting_id))
            decided_at = None
        facts[scope.invigilation_id] = UpperFacts(released_at=released_at, appeal_open=bool(attempts & held),
                                                  examiner_decided_at=decided_at)
    return facts


def run_purge(session: Session, *, store, config, now, dry_run: bool) -> PurgeReport:
    scopes = media_scopes(session)
    settings = RetentionSettings(appeal_window_days=config["APPEAL_WINDOW_DAYS"],
                                 days_after_appeals=config["INVIGILATION_RETENTION_DAYS_AFTER_APPEALS"])
    return purge(session, store=store, facts_by_invigilation=upper_facts(session, scopes), settings=settings,
                 now=now, dry_run=dry_run, actor=SYSTEM, scopes=scopes)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
@one_line_errors
def purge_command(dry_run: bool, as_json: bool):
    """Delete invigilation media whose retention has ended (appeal window + the days after it, after
    the release), unless an open appeal or incident holds them. Logs the keys and SHA-256s deleted,
    never content. Running it again deletes nothing. Exits 1 when the media store fails (what was
    purged before the failure is kept and recorded)."""
    session = db.session()
    report = run_purge(session, store=current_app.extensions["cop.media"], config=current_app.config, now=utcnow(),
                       dry_run=dry_run)
    if not dry_run:
        session.commit()
    if as_json:
        click.echo(json.dumps(report.as_json()))
        if report.failure:
            raise click.ClickException(report.failure)
        return
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {_plural(report.files_deleted if not dry_run else report.files_recorded, 'file')} "
               f"of {_plural(len(report.purged), 'invigilation')}." + (" Nothing was written (dry run)."
                                                                       if dry_run else ""))
    for done in report.purged:
        click.echo(f"  invigilation {done.invigilation_id}: {_plural(done.n_files, 'file')}"
                   + (f", log row {done.purge_event_id}" if done.purge_event_id else ""))
        for file in done.files:
            missing = "" if file.was_present else " (already absent)"
            click.echo(f"    {file.key} sha256 {file.sha256}{missing}")
    for reason, count in sorted(report.kept_by_reason().items()):
        click.echo(f"Kept {_plural(count, 'invigilation')}: {reason.label}")
    if report.failure:
        raise click.ClickException(report.failure)
