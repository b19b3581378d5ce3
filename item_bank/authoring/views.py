"""Item-bank pages for writers and reviewers: the bank, authoring, review, versions, coverage."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for

from core import db
from core.uploads import download_name
from core.clock import utcnow
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import Role
from core.web import current_actor, roles_required
from item_bank.authoring import attachments, diff, queries, services
from item_bank.authoring.forms import (ITEM_FORMS, ITEM_TYPE_NAMES, AttachmentForm, ButtonForm, CaseStudyForm,
                                       CommentForm, DecisionForm, NewVersionForm)
from item_bank.framework import services as framework_services
from item_bank.framework.models import FrameworkVersion
from item_bank.review import services as review
from item_bank.statistics import queries as statistics_queries
from item_bank.statistics import services as statistics_services
from item_bank.statistics.flags import flag_label
from item_bank.statistics.forms import SendBackForm
from item_bank.workflow import EDITABLE, Action, Status, available_actions

bp = Blueprint("authoring", __name__, url_prefix="/item-bank")
STAFF = (Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER, Role.ADMIN)


def _version(case_study_id: int, number: int):
    version = queries.version_by_number(db.session(), case_study_id, number)
    if version is None:
        abort(404)
    return version


def _version_url(version, **kwargs) -> str:
    return url_for("authoring.version_page", case_study_id=version.case_study_id, number=version.number, **kwargs)


def _form_problems(form, error: ValidationFailed, *, beside_own_errors: bool = True) -> None:
    """Put each problem beside its field. With ``beside_own_errors`` False a field that already shows
    an error from the form's own validation keeps just that one (no "Enter the question" twice)."""
    for problem in error.problems:
        field = form.field_for(problem.field) if hasattr(form, "field_for") else getattr(form, problem.field, None)
        if field is None:
            form.form_errors.append(problem.message)
        elif beside_own_errors or not field.errors or problem.message in field.errors:
            if problem.message not in field.errors:
                field.errors = [*field.errors, problem.message]


@bp.route("")
@roles_required(*STAFF)
def bank():
    filters = queries.BankFilters.from_args(request.args)
    versions = [] if filters.problems else queries.search_bank(db.session(), filters)
    return render_template("authoring/bank.html", versions=versions, filters=filters, statuses=list(Status),
                           flagged_choices=queries.FLAGGED_CHOICES,
                           item_type_names=ITEM_TYPE_NAMES,
                           last_used=queries.last_used(db.session(), [v.case_study_id for v in versions]))


@bp.route("/mine")
@roles_required(Role.ITEM_WRITER)
def mine():
    return render_template("authoring/mine.html", versions=queries.written_by(db.session(), current_actor().user_id))


@bp.route("/review")
@roles_required(Role.ITEM_REVIEWER)
def review_queue():
    actor = current_actor()
    versions = queries.review_queue(db.session())
    return render_template("authoring/review_queue.html", versions=versions, actor=actor)


@bp.route("/coverage")
@roles_required(*STAFF)
def coverage():
    framework = framework_services.get_framework(db.session())
    return render_template("authoring/coverage.html", rows=queries.coverage(db.session(), framework),
                           framework=framework)


@bp.route("/case-studies/new", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def new_case_study():
    form = CaseStudyForm()
    if request.method == "POST" and _case_study_form_is_valid(form):
        try:
            version = services.create_case_study(db.session(), actor=current_actor(), title=form.title.data,
                                                 scenario_html=form.scenario.data, now=utcnow())
        except ValidationFailed as error:
            _form_problems(form, error)
        else:
            db.session().commit()
            flash("Case study created. Now add its items.", "success")
            return redirect(_version_url(version))
    return render_template("authoring/case_study_form.html", form=form, version=None), 422 if form.errors else 200


@bp.route("/case-studies/<int:case_study_id>")
@roles_required(*STAFF)
def case_study(case_study_id: int):
    return redirect(_version_url(services.get_case_study(db.session(), case_study_id).latest))


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>")
@roles_required(*STAFF)
def version_page(case_study_id: int, number: int):
    return _render_version(_version(case_study_id, number))


def _render_version(version, attachment_form=None, status: int = 200, action_form=None, failed_action=None):
    actor = current_actor()
    is_author = version.case_study.author_id == actor.user_id
    comment_form = CommentForm()
    comment_form.item_id.choices = [("", "The whole case study")] + [
        (str(iv.item_id), f"Item {iv.position}") for iv in version.item_versions]
    return render_template(
        "authoring/version.html", version=version, case_study=version.case_study, is_author=is_author,
        is_editable=is_author and version.status in EDITABLE, item_type_names=ITEM_TYPE_NAMES,
        actions=available_actions(status=version.status, is_author=is_author,
                                  is_reviewer=actor.has(Role.ITEM_REVIEWER),
                                  is_examiner=actor.has(Role.EXAMINER, Role.ADMIN)),
        history=review.history(db.session(), version.id), decision_form=DecisionForm(), comment_form=comment_form,
        button_form=ButtonForm(), attachment_form=attachment_form or AttachmentForm(),
        action_form=action_form, failed_action=failed_action,
        submission_problems=review.submission_problems(version)
        if is_author and version.status in EDITABLE else []), status


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/edit", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def edit_case_study(case_study_id: int, number: int):
    version = _version(case_study_id, number)
    form = CaseStudyForm(data={"title": version.title, "scenario": version.scenario_html}
                         if request.method == "GET" else None)
    if request.method == "POST" and _case_study_form_is_valid(form):
        try:
            services.update_case_study(db.session(), actor=current_actor(), version_id=version.id,
                                       title=form.title.data, scenario_html=form.scenario.data, now=utcnow())
        except ValidationFailed as error:
            _form_problems(form, error)
        else:
            db.session().commit()
            flash("Case study saved.", "success")
            return redirect(_version_url(version))
    return render_template("authoring/case_study_form.html", form=form, version=version), 422 if form.errors else 200


def _item_form(item_type: str, framework: FrameworkVersion):
    form_class = ITEM_FORMS.get(item_type)
    if form_class is None:
        abort(404)
    form = form_class()
    form.offer_substandards(framework)
    return form


def _case_study_form_is_valid(form) -> bool:
    """The form's checks and the service's (a scenario that is empty once sanitised) together."""
    valid = form.validate_on_submit()
    problems = services.case_study_problems(form.title.data, form.scenario.data)
    if problems:
        _form_problems(form, ValidationFailed("There is a problem", problems), beside_own_errors=False)
    return valid and not problems


def _item_form_is_valid(version, form) -> bool:
    """Check the form's fields and the item they describe together, so that every problem shows at
    once (a missing stem and two equal options in one round, not one after the other)."""
    valid = form.validate_on_submit()
    problems = services.item_problems(db.session(), version_id=version.id, content=form.to_content())
    if problems:
        _form_problems(form, ValidationFailed("The item has problems", problems), beside_own_errors=False)
    return valid and not problems


def _save_item(version, form, item_id=None):
    try:
        services.save_item(db.session(), actor=current_actor(), version_id=version.id, content=form.to_content(),
                           now=utcnow(), item_id=item_id)
    except ValidationFailed as error:
        db.session().rollback()
        _form_problems(form, error)
        return None
    db.session().commit()
    flash("Item saved.", "success")
    return redirect(_version_url(version, _anchor=f"item-{item_id}" if item_id else "items"))


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/items/new/<item_type>", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def new_item(case_study_id: int, number: int, item_type: str):
    version = _version(case_study_id, number)
    form = _item_form(item_type, version.case_study_framework)
    if request.method == "POST" and _item_form_is_valid(version, form):
        response = _save_item(version, form)
        if response is not None:
            return response
    return render_template("authoring/item_form.html", form=form, version=version, item_type=item_type,
                           type_name=ITEM_TYPE_NAMES[item_type], item_id=None), 422 if form.errors else 200


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def edit_item(case_study_id: int, number: int, item_id: int):
    version = _version(case_study_id, number)
    item_version = next((iv for iv in version.item_versions if iv.item_id == item_id), None)
    if item_version is None:
        abort(404)
    form = _item_form(item_version.item_type, version.case_study_framework)
    if request.method == "GET":
        form.fill(item_version.content)
    elif _item_form_is_valid(version, form):
        response = _save_item(version, form, item_id=item_id)
        if response is not None:
            return response
    return render_template("authoring/item_form.html", form=form, version=version, item_type=item_version.item_type,
                           type_name=ITEM_TYPE_NAMES[item_version.item_type], item_id=item_id), \
        422 if form.errors else 200


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/items/<int:item_id>/delete", methods=["POST"])
@roles_required(Role.ITEM_WRITER)
def delete_item(case_study_id: int, number: int, item_id: int):
    version = _version(case_study_id, number)
    if ButtonForm().validate_on_submit():
        services.remove_item(db.session(), actor=current_actor(), version_id=version.id, item_id=item_id, now=utcnow())
        db.session().commit()
        flash("Item removed.", "success")
    return redirect(_version_url(version, _anchor="items"))


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/items/<int:item_id>/move/<direction>",
          methods=["POST"])
@roles_required(Role.ITEM_WRITER)
def move_item(case_study_id: int, number: int, item_id: int, direction: str):
    version = _version(case_study_id, number)
    if direction not in ("up", "down"):
        abort(404)
    if ButtonForm().validate_on_submit():
        services.move_item(db.session(), actor=current_actor(), version_id=version.id, item_id=item_id,
                           offset=-1 if direction == "up" else 1, now=utcnow())
        db.session().commit()
    return redirect(_version_url(version, _anchor="items"))


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/preview")
@roles_required(*STAFF)
def preview(case_study_id: int, number: int):
    version = _version(case_study_id, number)
    data = queries.candidate_preview([version], type_names=ITEM_TYPE_NAMES, attachment_url=attachment_url)
    return render_template("authoring/preview.html", version=version, preview=data)


def attachment_url(attachment) -> str:
    return url_for("authoring.download_attachment", attachment_id=attachment.id)


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/actions/<action>", methods=["POST"])
@roles_required(*STAFF)
def take_action(case_study_id: int, number: int, action: str):
    version = _version(case_study_id, number)
    if action not in {a.value for a in Action}:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review.transition(db.session(), actor=current_actor(), version_id=version.id, action=Action(action),
                              comment=form.comment.data or "", now=utcnow())
        except ValidationFailed as error:
            db.session().rollback()
            if error.problems and all(p.field == "comment" for p in error.problems):
                # A missing comment is shown beside the box of the action that needs it.
                _form_problems(form, error)
                return _render_version(_version(case_study_id, number), status=422, action_form=form,
                                       failed_action=action)
            messages = "; ".join(p.message for p in error.problems) or error.message
            flash(f"{error.message}: {messages}" if error.problems else error.message, "error")
            return redirect(_version_url(version))
        except (Conflict, Forbidden) as error:
            db.session().rollback()
            flash(error.message, "error")
            return redirect(_version_url(version))
        db.session().commit()
        flash(f"Done: {Action(action).label.lower()}.", "success")
    return redirect(_version_url(version))


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/comments", methods=["POST"])
@roles_required(*STAFF)
def add_comment(case_study_id: int, number: int):
    version = _version(case_study_id, number)
    form = CommentForm()
    if form.validate_on_submit():
        item_id = int(form.item_id.data) if (form.item_id.data or "").isdigit() else None
        review.comment(db.session(), actor=current_actor(), version_id=version.id, text=form.comment.data,
                       item_id=item_id, now=utcnow())
        db.session().commit()
        flash("Comment added.", "success")
    else:
        flash("Enter a comment", "error")
    return redirect(_version_url(version, _anchor="history"))


@bp.route("/case-studies/<int:case_study_id>/new-version", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def new_version(case_study_id: int):
    case_study = services.get_case_study(db.session(), case_study_id)
    form = NewVersionForm()
    if form.validate_on_submit():
        try:
            version = services.start_new_version(db.session(), actor=current_actor(), case_study_id=case_study.id,
                                                 change_note=form.change_note.data, now=utcnow())
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Version {version.number} started. Earlier versions stay as they were.", "success")
            return redirect(_version_url(version))
    return render_template("authoring/new_version.html", form=form, case_study=case_study), \
        422 if form.errors or form.form_errors else 200


@bp.route("/case-studies/<int:case_study_id>/diff")
@roles_required(*STAFF)
def compare(case_study_id: int):
    case_study = services.get_case_study(db.session(), case_study_id)
    numbers = [v.number for v in case_study.versions]
    try:
        left_number = int(request.args.get("from", numbers[0]))
        right_number = int(request.args.get("to", numbers[-1]))
    except ValueError:
        abort(404)
    left, right = _version(case_study_id, left_number), _version(case_study_id, right_number)
    rows = [diff.word_diff("Title", left.title, right.title),
            diff.word_diff("Scenario", services.plain_text(left.scenario_html), services.plain_text(right.scenario_html))]
    left_items = {iv.item_id: iv for iv in left.item_versions}
    right_items = {iv.item_id: iv for iv in right.item_versions}
    for item_id in dict.fromkeys([*left_items, *right_items]):
        before, after = left_items.get(item_id), right_items.get(item_id)
        label = f"Item {(after or before).position}"
        rows.extend(diff.compare_items(label, before.content if before else None, after.content if after else None))
    return render_template("authoring/diff.html", case_study=case_study, left=left, right=right, rows=rows,
                           numbers=numbers)


@bp.route("/items/<int:item_id>")
@roles_required(*STAFF)
def item_page(item_id: int):
    item = _item(item_id)
    return render_template("authoring/item.html", item=item, item_type_names=ITEM_TYPE_NAMES,
                           statistics=statistics_queries.statistics_for_item(db.session(), item_id),
                           flag_label=flag_label, may_send_back=current_actor().has(Role.EXAMINER))


def _item(item_id: int):
    from item_bank.models import Item

    item = db.session().get(Item, item_id)
    if item is None:
        abort(404)
    return item


@bp.route("/items/<int:item_id>/statistics/<int:statistic_id>/send-back", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def send_back(item_id: int, statistic_id: int):
    item = _item(item_id)
    statistic = statistics_queries.statistic_of_item(db.session(), item_id, statistic_id)
    if statistic is None:
        abort(404)
    form = SendBackForm()
    status = 200
    if form.validate_on_submit():
        try:
            sent = statistics_services.send_back_to_review(db.session(), actor=current_actor(), now=utcnow(),
                                                           statistic_id=statistic.id, note=form.note.data)
        except ValidationFailed as error:
            db.session().rollback()
            _form_problems(form, error)
            status = 422
        except Conflict as error:
            db.session().rollback()
            form.form_errors.append(error.message)
            status = 409
        else:
            db.session().commit()
            flash(f"Sent back to review: the comment is on version {sent.version.number}"
                  f"{', a new draft' if sent.is_new_version else ''}, and the author has been told.", "success")
            return redirect(_version_url(sent.version, _anchor="history"))
    elif request.method == "POST":
        status = 422
    return render_template("authoring/send_back.html", item=item, statistic=statistic, form=form,
                           flag_label=flag_label), status


@bp.route("/case-studies/<int:case_study_id>/versions/<int:number>/attachments", methods=["POST"])
@roles_required(Role.ITEM_WRITER)
def add_attachment(case_study_id: int, number: int):
    version = _version(case_study_id, number)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        chosen = getattr(upload, "filename", "") or ""
        try:
            attachments.add_attachment(
                db.session(), actor=current_actor(), version_id=version.id,
                filename=chosen, data=upload.read() if upload else b"",
                description=form.description.data or "", upload_folder=current_app.config["UPLOAD_FOLDER"],
                scan_command=current_app.config["VIRUS_SCAN_COMMAND"], now=utcnow())
        except ValidationFailed as error:
            db.session().rollback()
            _form_problems(form, error)
            # A browser never refills a file input, so say so rather than lose the file silently.
            if chosen and not form.file.errors:
                form.file.errors = [f"Choose the file ({chosen}) again: it was not attached, because the form "
                                    "had a problem"]
            return _render_version(version, attachment_form=form, status=422)
        db.session().commit()
        flash("Attachment added.", "success")
    return redirect(_version_url(version, _anchor="attachments"))


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@roles_required(Role.ITEM_WRITER)
def delete_attachment(attachment_id: int):
    attachment = attachments.get_attachment(db.session(), attachment_id)
    version = attachment.case_study_version
    if ButtonForm().validate_on_submit():
        attachments.remove_attachment(db.session(), actor=current_actor(), attachment_id=attachment_id, now=utcnow())
        db.session().commit()
        flash("Attachment removed.", "success")
    return redirect(_version_url(version, _anchor="attachments"))


@bp.route("/attachments/<int:attachment_id>")
@roles_required(*STAFF)
def download_attachment(attachment_id: int):
    attachment = attachments.get_attachment(db.session(), attachment_id)
    path = attachments.storage_path(current_app.config["UPLOAD_FOLDER"], attachment.sha256)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=attachment.content_type, download_name=download_name(attachment.filename, "attachment"),
                     as_attachment=attachment.content_type == "application/pdf")
