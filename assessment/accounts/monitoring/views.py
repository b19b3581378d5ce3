"""Equality monitoring pages: the candidate's (consent, answers, withdrawal) and the
administrator's (which questions are asked). Views parse, load, call one service, commit once."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from assessment.accounts.forms import ConfirmForm
from assessment.accounts.monitoring import queries, rules, services
from assessment.accounts.monitoring.forms import ConsentForm, QuestionForm, answers_form

bp = Blueprint("monitoring", __name__)




def _my_page(consent_form=None, form=None, status: int = 200):
    mine = queries.my_monitoring(db.session(), current_actor())
    form = form or answers_form(mine.questions, mine.answers)
    return render_template("accounts/monitoring.html", mine=mine, consent_form=consent_form or ConsentForm(),
                           form=form, withdraw_form=ConfirmForm(), statement=rules.CONSENT_STATEMENT), status


@bp.route("/account/monitoring", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def my_monitoring():
    if request.method == "GET":
        return _my_page()
    mine = queries.my_monitoring(db.session(), current_actor())
    form = answers_form(mine.questions, mine.answers, formdata=request.form)
    if form.validate():
        try:
            n = services.save_answers(db.session(), actor=current_actor(), now=utcnow(), answers=form.chosen())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Your answers have been saved ({n} question{'' if n == 1 else 's'} answered). Thank you.",
                  "success")
            return redirect(url_for("monitoring.my_monitoring"))
    return _my_page(form=form, status=422)


@bp.post("/account/monitoring/consent")
@roles_required(Role.CANDIDATE)
def consent():
    form = ConsentForm()
    if not form.validate_on_submit():
        return _my_page(consent_form=form, status=422)
    services.give_consent(db.session(), actor=current_actor(), now=utcnow())
    db.session().commit()
    flash("Thank you: your consent is recorded. You can now answer the questions below, and withdraw at any time.",
          "success")
    return redirect(url_for("monitoring.my_monitoring") + "#questions")


@bp.post("/account/monitoring/withdraw")
@roles_required(Role.CANDIDATE)
def withdraw():
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw_consent(db.session(), actor=current_actor(), now=utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            db.session().commit()
            flash("Your consent is withdrawn and your answers are deleted. They will not be used from now on.",
                  "success")
    return redirect(url_for("monitoring.my_monitoring"))


@bp.get("/admin/monitoring")
@roles_required(Role.ADMIN)
def admin_questions():
    rows = queries.admin_questions(db.session(), current_actor())
    return render_template("accounts/admin_monitoring.html", rows=rows, button_form=ConfirmForm())


@bp.post("/admin/monitoring/<int:question_id>/asked")
@roles_required(Role.ADMIN)
def admin_set_asked(question_id: int):
    if ConfirmForm().validate_on_submit():
        asked = request.form.get("is_asked") == "1"
        question = services.set_asked(db.session(), actor=current_actor(), now=utcnow(), question_id=question_id,
                                      is_asked=asked)
        db.session().commit()
        flash(f"“{question.text}” is {'asked' if asked else 'no longer asked'} from now on.", "success")
    return redirect(url_for("monitoring.admin_questions"))


@bp.route("/admin/monitoring/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_new_question():
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.add_question(db.session(), actor=current_actor(), now=utcnow(), text=form.text.data,
                                             hint=form.hint.data or "", options_text=form.options.data)
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"“{question.text}” is added and asked from now on.", "success")
            return redirect(url_for("monitoring.admin_questions"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/admin_monitoring_new.html", form=form), status
