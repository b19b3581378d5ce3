"""The pages as people use them: a lead sets an exercise up (after an error summary), a judge with no
role rates items (a bad rating is said beside the field), the lead closes the round and sees the cut
and the plots; Ebel, Hofstee and Beuk forms; global grades."""
from sqlalchemy import select

from core.roles import Role
from scoring.standard_setting import services
from scoring.standard_setting.models import StandardSettingExercise, StandardSettingRating
from tests.scoring.standard_setting.conftest import NOW
from tests import uploads_data


def _sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def test_a_lead_sets_up_an_exercise(client, db, scored, make_user):
    sitting, _run, lead = scored
    judge = make_user()
    _sign_in(client, lead)
    page = client.get("/standard-setting/new")
    assert page.status_code == 200 and "Modified Angoff" in page.text
    refused = client.post("/standard-setting/new", data={"title": "", "exam_paper_id": "", "n_rounds": "2",
                                                         "methods": ["hofstee"], "judges": "nobody@example.org"})
    assert refused.status_code == 422 and "There is a problem" in refused.text
    assert "Enter a title for the exercise" in refused.text and "Choose the exam paper" in refused.text
    assert db.scalars(select(StandardSettingExercise)).all() == []
    paper_id = sitting.papers[0].exam_paper_id
    made = client.post("/standard-setting/new", data={
        "title": "November panel", "exam_paper_id": str(paper_id), "sitting_id": str(sitting.id),
        "methods": ["angoff", "hofstee"], "n_rounds": "2", "shows_spread": "y", "shows_performance": "y",
        "judges": judge.email})
    assert made.status_code == 302
    exercise = db.scalars(select(StandardSettingExercise)).one()
    assert (exercise.lead_id, exercise.methods, exercise.n_rounds) == (lead.id, ["angoff", "hofstee"], 2)
    assert services.judge_ids(db, exercise.id) == [judge.id]


def test_a_judge_rates_and_the_lead_sees_the_cut(client, db, make_exercise):
    exercise, lead, judges = make_exercise(("angoff", "ebel", "hofstee", "beuk"))
    judge = judges[0]
    _sign_in(client, judge)
    listing = client.get("/standard-setting")
    assert listing.status_code == 200 and "November panel" in listing.text and "Judge" in listing.text
    home = client.get(f"/standard-setting/{exercise.id}/judge")
    assert home.status_code == 200 and "0 of 6 items rated" in home.text
    page = client.get(f"/standard-setting/{exercise.id}/angoff/1")
    assert page.status_code == 200 and "Question 1 of 6" in page.text
    assert "Standards this item maps to" in page.text and "(primary)" in page.text
    assert "B addresses the immediate risk" not in page.text and '"key"' not in page.text  # no key, no rationale
    bad = client.post(f"/standard-setting/{exercise.id}/angoff/1", data={"rating": "140"})
    assert bad.status_code == 422 and 'id="rating-error"' in bad.text and "from 0 to 1" in bad.text
    for position in range(1, 7):
        saved = client.post(f"/standard-setting/{exercise.id}/angoff/{position}", data={"rating": f"{50 + position}"})
        assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/standard-setting/{exercise.id}/judge")
    again = client.get(f"/standard-setting/{exercise.id}/angoff/2")
    assert 'value="0.52"' in again.text
    assert client.get(f"/standard-setting/{exercise.id}").status_code == 403  # not the lead's dashboard

    hof = client.post(f"/standard-setting/{exercise.id}/hofstee", data={"min_cut": "40", "max_cut": "30",
                                                                        "min_fail": "10", "max_fail": "40"})
    assert hof.status_code == 422 and "must be above the lowest" in hof.text
    assert client.post(f"/standard-setting/{exercise.id}/hofstee", data={"min_cut": "30", "max_cut": "60",
                                                                         "min_fail": "10", "max_fail": "40"}).status_code == 302
    assert client.post(f"/standard-setting/{exercise.id}/beuk", data={"cut": "50", "pass_rate": "70"}).status_code == 302
    items = services.paper_items(db, exercise.exam_paper_id)
    ebel = {"item-" + i.label + "-relevance": "essential" for i in items}
    ebel.update({"item-" + i.label + "-difficulty": "medium" for i in items})
    missing = client.post(f"/standard-setting/{exercise.id}/ebel", data=ebel)
    assert missing.status_code == 422 and 'href="#cell-essential-medium"' in missing.text
    ebel["cell-essential-medium"] = "60"
    assert client.post(f"/standard-setting/{exercise.id}/ebel", data=ebel).status_code == 302
    assert len(db.scalars(select(StandardSettingRating)).all()) == 6 + 2 + 6 + 1

    _sign_in(client, lead)
    dashboard = client.get(f"/standard-setting/{exercise.id}")
    assert dashboard.status_code == 200
    assert "6 of 6" in dashboard.text and "0 of 6" in dashboard.text
    assert "3.21 of 6" in dashboard.text  # Angoff: 0.51 + … + 0.56, one complete judge
    assert "<svg" in dashboard.text and "style=" not in dashboard.text
    closed = client.post(f"/standard-setting/{exercise.id}/close")
    assert closed.status_code == 302
    assert "Round 1: closed" in client.get(f"/standard-setting/{exercise.id}").text
    _sign_in(client, judge)
    assert client.post(f"/standard-setting/{exercise.id}/angoff/1", data={"rating": "0.9"}).status_code == 409
    home = client.get(f"/standard-setting/{exercise.id}/judge")
    assert "Panel round 1" in home.text


def test_global_grades_are_recorded_by_an_examiner(client, db, make_exercise, scored):
    exercise, lead, _judges = make_exercise(("borderline_group",), judges=0)
    _sitting, run, _lead = scored
    _sign_in(client, lead)
    bad = client.post(f"/standard-setting/{exercise.id}/grades", data={"grades": "abc, pass"})
    assert bad.status_code == 422 and "is not a candidate of this sitting" in bad.text
    attempts = [a for a, _t in services.run_totals(db, run)]
    text = "\n".join(f"{a}, {'borderline' if n % 2 else 'pass'}" for n, a in enumerate(attempts))
    done = client.post(f"/standard-setting/{exercise.id}/grades", data={"grades": text})
    assert done.status_code == 302
    assert "24 scripts graded" in client.get(f"/standard-setting/{exercise.id}").text


def test_an_examiner_who_is_not_the_lead_reads_but_cannot_run_the_exercise(client, db, make_exercise, make_user):
    exercise, _lead, _judges = make_exercise(("angoff",))
    _sign_in(client, make_user(Role.EXAMINER))
    assert client.get(f"/standard-setting/{exercise.id}").status_code == 200
    assert client.post(f"/standard-setting/{exercise.id}/close").status_code == 403
    assert services.state(db, exercise).is_open
    csv = client.get(f"/standard-setting/{exercise.id}/record.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert NOW.year == 2026


def test_judges_open_the_papers_attachments_and_nothing_else(client, db, app, make_exercise, make_user,
                                                              make_case_study):
    import hashlib

    from item_bank.authoring import attachments
    from item_bank.models import Attachment

    exercise, _lead, judges = make_exercise(("angoff",))
    data = uploads_data.pdf("A referral letter")
    digest = hashlib.sha256(data).hexdigest()
    path = attachments.storage_path(app.config["UPLOAD_FOLDER"], digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    item = services.paper_items(db, exercise.exam_paper_id)[0]
    other = make_case_study()
    rows = [Attachment(case_study_version_id=version, filename="letter.pdf", content_type="application/pdf",
                       size_bytes=len(data), sha256=digest, description="Referral letter", uploaded_at=NOW,
                       uploaded_by_id=judges[0].id) for version in (item.case_study_version_id, other.id)]
    db.add_all(rows)
    db.flush()
    _sign_in(client, judges[0])
    page = client.get(f"/standard-setting/{exercise.id}/angoff/1")
    assert f"/standard-setting/{exercise.id}/attachments/{rows[0].id}" in page.text
    got = client.get(f"/standard-setting/{exercise.id}/attachments/{rows[0].id}")
    assert got.status_code == 200 and got.data == data
    got.close()
    assert client.get(f"/standard-setting/{exercise.id}/attachments/{rows[1].id}").status_code == 404
    _sign_in(client, make_user())
    assert client.get(f"/standard-setting/{exercise.id}/attachments/{rows[0].id}").status_code == 403
