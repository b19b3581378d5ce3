"""Exam specs and exam papers, for examiners (administrators may look)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import current_actor, roles_required
from item_bank.authoring.forms import ITEM_TYPE_NAMES
from item_bank.authoring.queries import candidate_preview
from item_bank.papers import queries, rules, services
from item_bank.papers.forms import (AddCaseStudyForm, AssembleForm, ConfirmForm, MoveForm, PublishForm, SpecForm,
                                    TitleForm,
                                    add_problems, all_errors, fill_spec_form, spec_fields)

bp = Blueprint("papers", __name__, url_prefix="/item-bank")

VIEWERS = (Role.EXAMINER, Role.ADMIN)


# --- specs -------------------------------------------------------------------------------------

@bp.route("/specs")
@roles_required(*VIEWERS)
def specs():
    return render_template("papers/specs.html", rows=queries.list_specs(db.session()))


@bp.route("/specs/new", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def new_spec():
    form = SpecForm()
    if form.validate_on_submit():
        try:
            spec = services.create_spec(db.session(), actor=current_actor(), fields=spec_fields(form), now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Exam spec “{spec.title}” created.", "success")
            return redirect(url_for("papers.spec", spec_id=spec.id))
    return _spec_form_page(form, spec=None)


@bp.route("/specs/<int:spec_id>/edit", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def edit_spec(spec_id: int):
    spec = queries.get_spec(db.session(), spec_id)
    if queries.spec_is_locked(db.session(), spec.id):
        return render_template("papers/spec_locked.html", spec=spec, form=ConfirmForm()), 409
    form = SpecForm()
    if form.validate_on_submit():
        try:
            services.update_spec(db.session(), actor=current_actor(), spec_id=spec.id, fields=spec_fields(form),
                                 now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash("Exam spec saved.", "success")
            return redirect(url_for("papers.spec", spec_id=spec.id))
    elif not form.is_submitted():
        fill_spec_form(form, spec)
    return _spec_form_page(form, spec=spec)


def _spec_form_page(form: SpecForm, *, spec):
    errors = all_errors(form)
    return render_template("papers/spec_form.html", form=form, spec=spec, errors=errors, rules=rules), \
        422 if errors else 200


@bp.route("/specs/<int:spec_id>/copy", methods=["POST"])
@roles_required(Role.EXAMINER)
def copy_spec(spec_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("papers.spec", spec_id=spec_id))
    copy = services.copy_spec(db.session(), actor=current_actor(), spec_id=spec_id, now=utcnow())
    db.session().commit()
    flash(f"Copied as a new spec, “{copy.title}”. Change it and save.", "success")
    return redirect(url_for("papers.edit_spec", spec_id=copy.id))


@bp.route("/specs/<int:spec_id>")
@roles_required(*VIEWERS)
def spec(spec_id: int):
    spec = queries.get_spec(db.session(), spec_id)
    return _spec_page(spec, TitleForm(formdata=None), AssembleForm(formdata=None, prefix="auto"))


def _spec_page(spec, title_form, assemble_form, *, reasons=(), status=200):
    return render_template("papers/spec.html", spec=spec, rules=rules,
                           constraints=rules.constraints_of(spec),
                           is_locked=queries.spec_is_locked(db.session(), spec.id),
                           papers=queries.list_papers(db.session(), spec.id),
                           title_form=title_form, assemble_form=assemble_form, reasons=reasons,
                           title_errors=all_errors(title_form), assemble_errors=all_errors(assemble_form),
                           copy_form=ConfirmForm()), status


@bp.route("/specs/<int:spec_id>/papers", methods=["POST"])
@roles_required(Role.EXAMINER)
def new_paper(spec_id: int):
    spec = queries.get_spec(db.session(), spec_id)
    form = TitleForm()
    if form.validate_on_submit():
        try:
            paper = services.create_paper(db.session(), actor=current_actor(), spec_id=spec.id,
                                          title=form.title.data, now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Draft paper “{paper.title}” started. Add approved case studies to it.", "success")
            return redirect(url_for("papers.paper", paper_id=paper.id))
    return _spec_page(spec, form, AssembleForm(formdata=None, prefix="auto"), status=422)


@bp.route("/specs/<int:spec_id>/assemble", methods=["POST"])
@roles_required(Role.EXAMINER)
def assemble(spec_id: int):
    spec = queries.get_spec(db.session(), spec_id)
    form = AssembleForm(prefix="auto")
    reasons: list[str] = []
    if form.validate_on_submit():
        try:
            papers = services.assemble_papers(db.session(), actor=current_actor(), spec_id=spec.id,
                                              title=form.title.data, n_papers=int(form.n_papers.data), now=utcnow())
        except ValidationFailed as error:
            reasons = [p.message for p in error.problems if p.field == "assembly"]
            add_problems(form, ValidationFailed(error.message, [p for p in error.problems if p.field != "assembly"]))
        else:
            db.session().commit()
            if len(papers) == 1:
                flash(f"Draft paper “{papers[0].title}” built automatically. Check it, then publish it.", "success")
                return redirect(url_for("papers.paper", paper_id=papers[0].id))
            flash(f"{len(papers)} parallel draft papers built automatically, sharing no case study.", "success")
            return redirect(url_for("papers.spec", spec_id=spec.id) + "#papers-heading")
    return _spec_page(spec, TitleForm(formdata=None), form, reasons=reasons, status=422)


# --- papers ------------------------------------------------------------------------------------

@bp.route("/papers")
@roles_required(*VIEWERS)
def papers():
    return render_template("papers/papers.html", papers=queries.list_papers(db.session()))


@bp.route("/papers/<int:paper_id>")
@roles_required(*VIEWERS)
def paper(paper_id: int):
    return _paper_page(queries.get_paper(db.session(), paper_id))


def _paper_page(paper, *, problem: str = "", status: int = 200, add_form=None):
    report = queries.paper_report(db.session(), paper)
    add_form = add_form or AddCaseStudyForm(formdata=None)
    return render_template("papers/paper.html", report=report, paper=paper, rules=rules, problem=problem,
                           add_form=add_form,
                           add_errors=[("available-heading", message) for _, message in all_errors(add_form)],
                           confirm_form=ConfirmForm(),
                           can_edit=current_actor().has(Role.EXAMINER)), status


@bp.route("/papers/<int:paper_id>/preview")
@roles_required(*VIEWERS)
def preview_paper(paper_id: int):
    """The whole paper as a candidate will see it, drawn by the exam player's own code."""
    paper = queries.get_paper(db.session(), paper_id)
    data = candidate_preview([entry.case_study_version for entry in paper.entries], type_names=ITEM_TYPE_NAMES,
                             attachment_url=lambda a: url_for("authoring.download_attachment", attachment_id=a.id))
    return render_template("papers/preview.html", paper=paper, preview=data)


@bp.route("/papers/<int:paper_id>/entries", methods=["POST"])
@roles_required(Role.EXAMINER)
def add_entry(paper_id: int):
    paper = queries.get_paper(db.session(), paper_id)
    form = AddCaseStudyForm()
    if form.validate_on_submit():
        try:
            services.add_case_study(db.session(), actor=current_actor(), paper_id=paper.id,
                                    case_study_id=form.case_study_id.data, now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Case study {form.case_study_id.data} added.", "success")
            return redirect(url_for("papers.paper", paper_id=paper.id) + "#conformance-heading")
    return _paper_page(paper, status=422, add_form=form)


@bp.route("/papers/<int:paper_id>/entries/<int:entry_id>/move", methods=["POST"])
@roles_required(Role.EXAMINER)
def move_entry(paper_id: int, entry_id: int):
    form = MoveForm()
    if not form.validate_on_submit():
        return _paper_page(queries.get_paper(db.session(), paper_id), problem="Say which way to move the case study.",
                           status=422)
    services.move_entry(db.session(), actor=current_actor(), paper_id=paper_id, entry_id=entry_id,
                        offset=-1 if form.direction.data == "up" else 1, now=utcnow())
    db.session().commit()
    return redirect(url_for("papers.paper", paper_id=paper_id) + "#entries-heading")


@bp.route("/papers/<int:paper_id>/entries/<int:entry_id>/remove", methods=["POST"])
@roles_required(Role.EXAMINER)
def remove_entry(paper_id: int, entry_id: int):
    if ConfirmForm().validate_on_submit():
        services.remove_entry(db.session(), actor=current_actor(), paper_id=paper_id, entry_id=entry_id,
                              now=utcnow())
        db.session().commit()
        flash("Case study removed from the paper.", "success")
    return redirect(url_for("papers.paper", paper_id=paper_id) + "#conformance-heading")


@bp.route("/papers/<int:paper_id>/publish", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def publish(paper_id: int):
    """Publishing cannot be undone, so the paper page links here: a page that says what will be frozen
    and asks for a second, deliberate press. Only a POST from this page (``confirmed``) publishes."""
    paper = queries.get_paper(db.session(), paper_id)
    if paper.is_published:
        return _paper_page(paper, problem=f"The paper “{paper.title}” is published and can never change.",
                           status=409)
    form = PublishForm()
    if not (form.validate_on_submit() and form.confirmed.data == "yes"):
        return render_template("papers/confirm_publish.html", paper=paper, form=PublishForm(formdata=None),
                               report=queries.paper_report(db.session(), paper))
    try:
        services.publish_paper(db.session(), actor=current_actor(), paper_id=paper.id, now=utcnow())
    except Conflict as error:
        return _paper_page(queries.get_paper(db.session(), paper_id), problem=error.message, status=409)
    db.session().commit()
    flash(f"“{paper.title}” is published. It can no longer change.", "success")
    return redirect(url_for("papers.paper", paper_id=paper.id))


@bp.route("/papers/<int:paper_id>/delete", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def delete_paper(paper_id: int):
    """A draft paper can be deleted, after a confirmation page; a published one never."""
    paper = queries.get_paper(db.session(), paper_id)
    if paper.is_published:
        return _paper_page(paper, problem=f"The paper “{paper.title}” is published and can never be deleted.",
                           status=409)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("papers/confirm_delete.html", paper=paper, form=ConfirmForm(formdata=None))
    title = services.delete_draft_paper(db.session(), actor=current_actor(), paper_id=paper.id, now=utcnow())
    db.session().commit()
    flash(f"The draft paper “{title}” was deleted. Its case studies stay in the item bank.", "success")
    return redirect(url_for("papers.papers"))
