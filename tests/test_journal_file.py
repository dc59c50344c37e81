"""The check of a journal's records all at once agrees with the record-by-record schemas.

The quick check (msgspec) must only ever let a journal through that the schemas would let
through; a journal it stops is named, record and field, by the schemas. Here every field of
real records (and of their tag changes and signals) is given each of many odd values, is
left out, or gets an unknown neighbour, and both checks must give the same verdict.
"""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from candor import config, demo, export, journal, journal_file
from candor.db import connect

FIXTURES = Path(__file__).parent / "fixtures"
ODD = [None, True, False, -1, 0, 1, 1.0, 1.5, -0.5, 2**63 - 1, 2**63, -2**63, -2**63 - 1,
       10**12, 10**12 + 1, float("inf"), float("nan"), "", "x", "1", "x" * 271, "x" * 1001,
       "2026-11-20T09:00:00", "2026-11-20T09:00:00Z", "2026-11-20T09:00:00+05:30",
       "2026-13-01T09:00:00+00:00", "2026-11-20T09:00:00.123456789+00:00" + "0" * 10,
       "real", "busywork", "unsure", "chat", "agent", "robot", "o200k", "chars/4", "mixed",
       "burst", "loop", "claude-code", "0" * 64, "A" * 64, "f" * 63,
       "0190b8a2-7c3e-7a1b-9c2d-3e4f5a6b7c8d", "0190B8A2-7C3E-7A1B-9C2D-3E4F5A6B7C8D",
       [], ["m"], [1], ["x" * 201], {}, [{}], [{"name": "burst", "reason": ""}],
       [{"name": "burst"}], [{"tag": "real", "at": "2026-11-20T09:00:00Z",
                              "after_end_seconds": 5}],
       ["hiring"], [""], ["x" * 41], ["l"] * 10, ["l"] * 11, [None]]


@pytest.fixture(scope="module")
def journals(tmp_path_factory):
    """A version 1 journal (the fixture file) and a version 2 one with an agent session,
    three records each (the checks don't look at the chain)."""
    db = connect(str(config.data_dir(str(tmp_path_factory.mktemp("worker"))) / "candor.db"))
    journal.set_time_zone(db, "Europe/Paris")
    demo.fill(db, days=8, seed=4, end=datetime(2026, 11, 27, 18, tzinfo=timezone.utc))
    newer = export.build(db, owner="Ada", redaction=())
    db.close()
    newer["sessions"][0].update(kind="agent", tokens_in=5, tokens_out=9, tokens_cache_read=0,
                                tokens_cache_write=1, tokens_reasoning=None, requests=2,
                                tool_calls=1, models=["m"], project="candor (main)",
                                labels=["billing-migration"])
    older = json.loads((FIXTURES / "journal-v1.json").read_text())
    out = {}
    for version, data in ((1, older), (2, newer)):
        with_history = next(r for r in data["sessions"] if r["tag_history"] and r["signals"])
        data["sessions"] = [with_history, *data["sessions"][:2]]
        out[version] = data
    return out


def changes(record):
    """(what, change) for every way of spoiling one field of `record` (a dict)."""
    for key in sorted(record):
        yield f"drop {key}", lambda r, k=key: r.pop(k)
        for value in ODD:
            yield f"{key}={value!r:.40}", lambda r, k=key, v=value: r.__setitem__(k, v)
    for key in ("extra", "labels", "kind", "tokens_in", "tokenizer"):
        if key not in record:
            yield f"add {key}", lambda r, k=key: r.__setitem__(k, 1)


def agree(data):
    at_once = journal_file.problem(data)
    one_by_one = journal_file.problem(data, at_once=False)
    assert at_once == one_by_one  # the verdict, and any message, from the schemas


@pytest.mark.parametrize("version", [1, 2])
def test_both_checks_agree_on_any_spoiled_field(journals, version):
    original = journals[version]
    agree(original)
    assert journal_file.problem(original) is None
    tried = 0
    for index, part in ((0, None), (1, None), (0, "tag_history"), (0, "signals")):
        target = original["sessions"][index]
        target = target[part][0] if part else target
        for what, change in changes(target):
            data = json.loads(json.dumps(original))
            record = data["sessions"][index]
            change(record[part][0] if part else record)
            try:
                agree(data)
            except AssertionError:
                raise AssertionError(f"record {index + 1} {part or ''}: {what}") from None
            tried += 1
    assert tried > 1500
