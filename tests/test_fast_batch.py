"""The fast batch check never accepts what the marshmallow schema would refuse."""

import json
import uuid

import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from candor import fast_batch
from candor.schemas import KNOWN_SITES, load_event

# Values near every edge the schema draws, plus plain wrong types.
tricky_ints = st.one_of(st.integers(-2, 2), st.integers(3_599_999, 3_600_001),
                        st.integers(9_999_999, 10_000_001), st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=False, allow_infinity=False), st.booleans())
tricky_text = st.one_of(st.text(max_size=20), st.integers(), st.none(),
                        st.sampled_from([99, 100, 101, 511, 512, 513, 2047, 2048, 2049])
                        .map(lambda n: "x" * n))
tricky_ts = st.one_of(
    st.sampled_from(["2026-11-20T09:00:00Z", "2026-11-20T09:00:00z", "2026-11-20t09:00:00Z",
                     "2026-11-20 09:00:00+01:00", "2026-11-20T09:00:00", "20261120T090000Z",
                     "2026-11-20T09:00:00.123456789+05:30", "2019-12-31T23:59:59Z",
                     "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
                     "2026-11-20T09:00:00+24:00", "2026-11-20T23:59:60Z", "", "now"]),
    st.datetimes().map(lambda d: d.isoformat()), st.integers())
tricky_uuid = st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()),
                        st.uuids().map(lambda u: u.hex), st.text(max_size=40), st.integers())
tricky_site = st.one_of(st.sampled_from(KNOWN_SITES),
                        st.sampled_from(["custom:ai.corp.example", "custom:localhost:8080",
                                         "custom:", "custom:-bad.example", "Custom:x.example",
                                         "chatgpt ", "CHATGPT", "custom:a..b", "custom:x:99999"]),
                        st.text(max_size=12).map(lambda t: "custom:" + t))

TRICKY = {
    "id": tricky_uuid, "session_id": tricky_uuid, "ts": tricky_ts, "site": tricky_site,
    "type": st.sampled_from(["session_start", "prompt", "response", "activity", "copy",
                             "session_end", "typing", "", None]),
    "active_ms": tricky_ints, "prompt_chars": tricky_ints, "response_chars": tricky_ints,
    "est_tokens": tricky_ints, "model": tricky_text, "url": tricky_text, "title": tricky_text,
    "fingerprint": st.one_of(st.text("0123456789abcdefABCDEF", min_size=15, max_size=17),
                             st.integers()),
    "prompt_text": st.text(max_size=5),
    "tokenizer": st.one_of(st.sampled_from(["o200k", "chars/4", "O200K", "mixed", "", "cl100k"]),
                           st.integers(), st.none()),
}
ALLOWED = {"session_start": (),
           "prompt": ("prompt_chars", "est_tokens", "fingerprint", "tokenizer"),
           "response": ("response_chars", "est_tokens", "tokenizer"), "activity": ("active_ms",),
           "copy": ("response_chars",), "session_end": ()}


@st.composite
def events(draw):
    """A good event of some type with one to three of its fields (or others) made tricky."""
    kind = draw(st.sampled_from(sorted(ALLOWED)))
    event = {"id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "type": kind,
             "ts": "2026-11-20T09:00:00Z", "site": "claude", "model": "m"}
    for name in ALLOWED[kind]:
        event[name] = {"fingerprint": "0123456789abcdef", "tokenizer": "o200k"}.get(name, 7)
    for name in draw(st.lists(st.sampled_from(sorted(TRICKY)), min_size=1, max_size=3)):
        if draw(st.booleans()) and name in event and name not in ("id", "type"):
            del event[name]
        else:
            event[name] = draw(TRICKY[name])
    return event


def slow(event):
    try:
        return load_event(event)
    except ValidationError:
        return None


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events())
@example(event={"id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "type": "activity",
                "ts": "2026-11-20T09:00:00Z", "site": "claude"})
def test_whatever_the_fast_path_accepts_marshmallow_accepts_as_the_same_row(event):
    body = json.dumps({"client": {"id": "c"}, "events": [event]}).encode()
    fast = fast_batch.decode(body)
    if fast is not None:
        assert fast[1] == [slow(event)]


def test_the_fast_path_takes_the_ordinary_events():
    event = {"id": str(uuid.uuid4()).upper(), "session_id": str(uuid.uuid4()), "type": "prompt",
             "ts": "2026-11-20T09:00:00.5+01:00", "site": "custom:ai.corp.example",
             "prompt_chars": 12, "est_tokens": 3, "fingerprint": "00ff00ff00ff00ff",
             "model": "gpt-5"}
    body = json.dumps({"client": {"id": "c", "browser": "firefox"}, "events": [event]})
    client, rows = fast_batch.decode(body.encode())
    assert client == {"id": "c", "browser": "firefox"}
    assert rows == [load_event(event)]
    assert rows[0]["id"] == event["id"].lower()


def _prompt(**fields):
    return {"id": str(uuid.uuid4()), "session_id": str(uuid.uuid4()), "type": "prompt",
            "ts": "2026-11-20T09:00:00Z", "site": "claude", "est_tokens": 66, **fields}


@pytest.mark.parametrize("value", ["o200k", "chars/4"])
def test_both_paths_take_each_tokenizer(value):
    event = _prompt(tokenizer=value)
    _, rows = fast_batch.decode(json.dumps({"client": {"id": "c"}, "events": [event]}).encode())
    assert rows == [load_event(event)]
    assert rows[0]["tokenizer"] == value


@pytest.mark.parametrize("value", ["cl100k", "mixed", "O200K", "", 4, None])
def test_both_paths_refuse_an_unknown_tokenizer_naming_the_field(value):
    event = _prompt(tokenizer=value)
    body = json.dumps({"client": {"id": "c"}, "events": [event]}).encode()
    with pytest.raises(msgspec.ValidationError, match=r"\$\.events\[0\]\.tokenizer"):
        fast_batch._decoder.decode(body)
    assert fast_batch.decode(body) is None  # the batch takes the slow path, which says why
    with pytest.raises(ValidationError) as refused:
        load_event(event)
    assert list(refused.value.messages) == ["tokenizer"]


def test_a_tokenizer_is_not_allowed_on_other_events():
    event = {**_prompt(tokenizer="o200k"), "type": "copy"}
    del event["est_tokens"]
    assert fast_batch.decode(json.dumps({"client": {"id": "c"}, "events": [event]}).encode()) \
        is None
    with pytest.raises(ValidationError) as refused:
        load_event(event)
    assert refused.value.messages == {"tokenizer": ["Not allowed on a copy event."]}
