"""The demo's finished standard-setting exercise: three judges, two rounds, performance data released
between them, every method's cut with a standard error; a second load adds nothing."""
import datetime as dt

from sqlalchemy import func, select

from assessment.demo import load_demo
from scoring.standard_setting import queries, services
from scoring.standard_setting.demo import EXERCISE_TITLE
from scoring.standard_setting.models import StandardSettingExercise, StandardSettingRating

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_the_demo_has_a_finished_exercise_and_loads_once(db, client):
    load_demo(db, now=NOW, password="demo password 123", hash_profile="fast")
    exercise = db.scalar(select(StandardSettingExercise).where(StandardSettingExercise.title == EXERCISE_TITLE))
    state = services.state(db, exercise)
    assert state.is_finished and state.closed == (1, 2) and state.released == (1,)
    assert len(services.judge_ids(db, exercise.id)) == 3 and exercise.lead_id not in services.judge_ids(db, exercise.id)
    cuts = queries.exercise_cuts(db, exercise.id)
    assert [c.method for c in cuts] == ["angoff", "ebel", "hofstee", "beuk", "borderline_regression",
                                        "borderline_group"]
    assert all(c.standard_error is not None and c.standard_error > 0 for c in cuts)
    assert [c.round for c in cuts] == [2, 2, 2, 2, None, None]
    run = services.latest_run(db, exercise)
    assert all(0 < c.cut < run.max_score for c in cuts)
    ratings = db.scalar(select(func.count()).select_from(StandardSettingRating))
    load_demo(db, now=NOW, password="demo password 123", hash_profile="fast")
    assert db.scalar(select(func.count()).select_from(StandardSettingRating)) == ratings
    assert db.scalar(select(func.count()).select_from(StandardSettingExercise)) == 1
    # One demo load serves a second check (the load is the slow part): a decision starts from a cut.
    _a_decision_can_start_from_the_exercises_cut(db, client, exercise)


def _a_decision_can_start_from_the_exercises_cut(db, client, exercise):
    """The lead's dashboard links each cut to the decision form, which arrives filled with that
    method's cut and standard error from the exercise's last round."""
    from assessment.accounts.models import User

    lead = db.get(User, exercise.lead_id)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = lead.get_id()
        flask_session["_fresh"] = True
    dashboard = client.get(f"/standard-setting/{exercise.id}").get_data(as_text=True)
    link = f"/scoring/sittings/{exercise.sitting_id}/cut-scores/new?exercise={exercise.id}&amp;method=ebel"
    assert link in dashboard
    ebel = next(c for c in queries.exercise_cuts(db, exercise.id) if c.method == "ebel")
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{ebel.cut:g}"' in form and f'value="{ebel.standard_error:g}"' in form
