"""The autosave's body: ``schemas.plain_save`` takes the player's usual bodies without marshmallow,
and never takes one the schema would refuse or load differently."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from marshmallow import ValidationError

from assessment.delivery import schemas
from assessment.delivery.schemas import SaveInSchema, load_save, plain_save
from core.errors import DomainError
from core.web import MAX_ID

SCHEMA = SaveInSchema()


def body(**changes) -> dict:
    data = {"slot": 3, "payload": {"answer": "B", "flagged": False, "struck": []}, "seen_seq": 12,
            "client_step_id": "dev-1-7", "device_id": "dev-1"}
    data.update(changes)
    return data


HEARTBEAT = {"id": "hb-1", "kind": "heartbeat", "at": "2026-12-07T19:00:00Z",
             "data": {"camera": "on", "online": True, "queued": 1}}


@pytest.mark.parametrize("data", [
    body(),
    body(payload={"answer": None, "flagged": True, "struck": ["A", "C"]}),
    body(payload={"answer": ["A", "D"]}),
    body(payload={"answer": {"s1": "o2", "s2": "o1"}, "flagged": False}),
    body(payload={"answer": "A written answer, with ‘quotes’ and an é.", "flagged": False, "struck": []}),
    body(payload={}),
    body(events=[HEARTBEAT]),
    body(events=[HEARTBEAT], messages=True),
    body(messages=False, seen_seq=0, slot=MAX_ID),
], ids=["sba", "flagged and struck", "multiple", "matching", "written", "empty payload", "events", "messages",
        "edges"])
def test_the_players_bodies_are_taken_as_the_schema_loads_them(data):
    assert plain_save(data) is not None
    assert plain_save(data) == SCHEMA.load(data)


@pytest.mark.parametrize("data", [
    None, [], "text", {},
    body(slot=0), body(slot=True), body(slot=1.0), body(slot="3"), body(slot=MAX_ID + 1),
    body(seen_seq=-1), body(seen_seq=None), body(client_step_id=""), body(client_step_id="x" * 65),
    body(device_id=7), body(payload=None), body(payload={"answer": 7}), body(payload={"answer": "B", "extra": 1}),
    body(payload={"flagged": 1}), body(payload={"struck": "A"}), body(payload={"struck": [""]}),
    body(payload={"struck": ["A"] * 33}), body(payload={"answer": ["A"] * 33}),
    body(payload={"answer": "x" * (schemas.MAX_TEXT + 1)}),
    body(events=[]), body(events=None), body(events=[1]), body(events=[HEARTBEAT] * 101),
    body(messages=None), body(messages="yes"), body(unknown=1),
    body(client_step_id="a\x00b"), body(payload={"answer": "lone \ud800 surrogate"}),
    body(events=[{"id": "x", "data": {"note\x00": "y"}}]),
    {key: value for key, value in body().items() if key != "device_id"},
], ids=lambda value: repr(value)[:60])
def test_anything_else_is_left_to_the_schema_which_refuses_it(data):
    assert plain_save(data) is None
    with pytest.raises(DomainError):
        load_save(SCHEMA, data)


texts = st.one_of(st.sampled_from(["", "A", "B", "dev-1", "x" * 64, "x" * 65, "a\x00", "\ud800", "é"]), st.text(max_size=70))
numbers = st.one_of(st.integers(min_value=-2, max_value=MAX_ID + 2), st.sampled_from([True, False, 1.0, None]))
scalars = st.one_of(texts, numbers, st.booleans(), st.none())
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(texts, inner, max_size=4)), max_leaves=8)
answers = st.one_of(st.none(), texts, st.lists(texts, max_size=34), st.dictionaries(texts, texts, max_size=3), numbers)
payloads = st.one_of(
    st.fixed_dictionaries({}, optional={"answer": answers, "flagged": st.one_of(st.booleans(), numbers),
                                        "struck": st.one_of(st.lists(texts, max_size=34), texts),
                                        "other": scalars}),
    json_values)
bodies = st.fixed_dictionaries(
    {},
    optional={"slot": numbers, "payload": payloads, "seen_seq": numbers, "client_step_id": texts,
              "device_id": texts,
              "events": st.one_of(st.lists(st.dictionaries(texts, json_values, max_size=3), max_size=3),
                                  st.lists(json_values, max_size=2), st.none()),
              "messages": st.one_of(st.booleans(), scalars), "unknown": scalars})
whole_bodies = st.builds(lambda required, extra: {**required, **extra},
                         st.fixed_dictionaries({"slot": numbers, "payload": payloads, "seen_seq": numbers,
                                                "client_step_id": texts, "device_id": texts}),
                         bodies)


@settings(max_examples=600, deadline=None)
@given(st.one_of(bodies, whole_bodies))
def test_what_plain_save_takes_the_schema_takes_and_loads_the_same(data):
    taken = plain_save(data)
    if taken is None:
        return
    try:
        loaded = schemas.load(SCHEMA, data)
    except DomainError as error:
        pytest.fail(f"plain_save took a body the schema refuses: {data!r} ({error})")
    assert taken == loaded


def test_the_generated_bodies_reach_both_answers():
    """The property above is only worth something if the generator reaches bodies plain_save takes."""
    taken = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(whole_bodies)
    def count(data):
        taken.append(plain_save(data) is not None)

    count()
    assert any(taken) and not all(taken)


def test_a_taken_body_is_a_copy_that_changing_cannot_reach_the_request(monkeypatch):
    data = body(events=[HEARTBEAT], payload={"answer": "B", "struck": ["A"]})
    taken = plain_save(data)
    taken["payload"]["struck"].append("C")
    taken["events"][0]["kind"] = "changed"
    assert data["payload"]["struck"] == ["A"] and data["events"][0]["kind"] == "heartbeat"


def test_load_save_takes_the_players_body_without_marshmallow_and_anything_else_with_it(monkeypatch):
    asked = []
    real = SaveInSchema.load

    def counting(self, *args, **kwargs):
        asked.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SaveInSchema, "load", counting)
    assert load_save(SCHEMA, body()) == plain_save(body()) and asked == []
    with pytest.raises(DomainError) as refused:
        load_save(SCHEMA, body(slot=0))
    assert asked == [1] and refused.value.problems[0].field == "slot"
