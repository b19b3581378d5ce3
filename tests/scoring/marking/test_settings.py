"""The agreement rule's settings: checked when the configuration loads, and fixed per sitting when
its marking opens."""
import pytest

from assessment.config import ConfigError, load_config


def test_marking_settings_are_checked_when_the_configuration_loads(tmp_path):
    config = load_config(tmp_path, environ={"COP_MARKING_TOLERANCE": "2", "COP_MARKING_ROUNDING": "half"})
    assert (config["MARKING_TOLERANCE"], config["MARKING_ROUNDING"]) == (2, "half")
    with pytest.raises(ConfigError, match="MARKING_ROUNDING"):
        load_config(tmp_path, environ={"COP_MARKING_ROUNDING": "quarter"})
    with pytest.raises(ConfigError, match="MARKING_TOLERANCE"):
        load_config(tmp_path, {"MARKING_TOLERANCE": -1}, environ={})


def test_a_sitting_keeps_the_rule_it_opened_with(db, marking_sitting, make_user, sit):
    from core.roles import Role
    from scoring.marking import queries, services
    from tests.scoring.marking.conftest import AFTER

    admin, lead = make_user(Role.ADMIN), make_user(Role.EXAMINER)
    services.allocate(db, admin.actor, marking_sitting.id, lead.id, "lead", AFTER, tolerance=2, rounding="half")
    first, second = make_user(Role.EXAMINER), make_user(Role.EXAMINER)
    # A later allocation under another configuration does not change the sitting's rule.
    services.allocate(db, lead.actor, marking_sitting.id, first.id, "first", AFTER, tolerance=0, rounding="whole")
    services.allocate(db, lead.actor, marking_sitting.id, second.id, "second", AFTER)
    assert queries.rule_for(db, marking_sitting.id) == queries.Rule(2.0, "half", None)
    attempt = sit(marking_sitting, "An answer")
    services.sync_scripts(db, marking_sitting.id, AFTER)
    script_id = queries.queue_for(db, first.actor, marking_sitting.id)[0].script_id
    services.give_mark(db, first.actor, script_id, "first", 1, "One point", AFTER)
    services.give_mark(db, second.actor, script_id, "second", 2.5, "Most points", AFTER)
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {(attempt.id, 3): 2.0}  # 1.75 → 2 (half up)
