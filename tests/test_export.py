"""Exports for a coach: verifiable JSON, CSV, a self-contained HTML report, and `verify`."""

import csv
import io
import json
import os
import random
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from candor import config, demo, export, report
from candor.cli import main
from candor.db import connect

SCHEMA = json.loads((Path(export.__file__).parent / "journal.schema.json").read_text())


@pytest.fixture
def run(tmp_path):
    data_dir = tmp_path / "data"
    db = connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    demo.fill(db, days=28)
    # A note and an outcome link, to see redaction at work.
    sid = db.conn.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    db.conn.execute("UPDATE sessions SET note = 'my private note', "
                    "outcome_url = 'https://git.example/pr/9' WHERE id = ?", [sid])
    db.conn.commit()

    def run(*args):
        return CliRunner().invoke(main, list(args), env={"CANDOR_DATA_DIR": str(data_dir)})

    run.db = db
    run.tmp = tmp_path
    yield run
    db.close()


def exported(run, *args, name="journal.json"):
    path = run.tmp / name
    result = run("export", "-o", str(path), *args)
    assert result.exit_code == 0, result.output
    return path


def test_json_export_verifies_matches_the_schema_and_the_journal(run):
    path = exported(run)
    data = json.loads(path.read_text())
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert (data["format"], data["version"]) == ("candor-journal", 2)
    result = run("verify", str(path))
    assert result.exit_code == 0
    assert f"intact: {len(data['sessions'])} sessions" in result.output
    assert len(result.output.strip().splitlines()) == 1
    totals = report.stats(run.db)
    assert data["summary"]["totals"] == {k: v for k, v in totals.items()}
    assert len(data["sessions"]) == run.db.conn.execute(
        "SELECT count(*) FROM sessions").fetchone()[0]
    tagged = [s for s in data["sessions"] if s["tag"]]
    assert tagged and all(s["tag_history"][-1]["tag"] == s["tag"] for s in tagged)
    assert all(h["after_end_seconds"] > 0 for s in tagged for h in s["tag_history"])


def test_reformatting_the_file_does_not_break_it(run):
    path = exported(run)
    data = json.loads(path.read_text())
    path.write_text(json.dumps(data, indent=4, sort_keys=True))
    assert run("verify", str(path)).exit_code == 0


def _changed_value(value, rng):
    """The same value with one character or digit changed (still valid JSON)."""
    if isinstance(value, bool) or value is None:
        return "x"
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str) and value:
        i = rng.randrange(len(value))
        return value[:i] + ("a" if value[i] != "a" else "b") + value[i + 1:]
    return "changed"


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _set(node, path, value):
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _get(node, path):
    for key in path:
        node = node[key]
    return node


def test_any_changed_value_in_a_record_or_the_summary_fails(run):
    original = json.loads(exported(run).read_text())
    rng = random.Random(5)
    leaves = [p for p in _leaves({"sessions": original["sessions"],
                                  "summary": original["summary"]}) if p[-1] != "chain"]
    assert len(leaves) > 1000
    for path in rng.sample(leaves, 300):
        data = json.loads(json.dumps(original))
        _set(data, path, _changed_value(_get(data, path), rng))
        ok, message = export.verify(data)
        assert not ok, path
        if path[0] == "sessions":
            assert f"record {path[1] + 1} " in message
        else:
            assert "summary" in message


def test_flipping_any_byte_of_the_records_makes_verify_fail(run):
    path = exported(run)
    raw = path.read_bytes()
    start, end = raw.index(b'"sessions"'), raw.index(b'"integrity"')
    rng = random.Random(7)
    flipped = 0
    for position in rng.sample(range(start, end), 150):
        data = bytearray(raw)
        data[position] ^= 0x01
        path.write_bytes(bytes(data))
        result = run("verify", str(path))
        # Still JSON: a changed record (1); no longer a journal or not JSON at all (2).
        assert result.exit_code in (1, 2), (position, raw[position - 20:position + 20])
        flipped += result.exit_code == 1
    assert flipped > 50


@pytest.mark.parametrize("tamper", ["drop", "swap", "duplicate", "drop_last", "add_header"])
def test_removed_added_or_reordered_records_fail(run, tamper):
    path = exported(run)
    data = json.loads(path.read_text())
    sessions = data["sessions"]
    if tamper == "drop":
        del sessions[5]
    elif tamper == "swap":
        sessions[3], sessions[4] = sessions[4], sessions[3]
    elif tamper == "duplicate":
        sessions.insert(2, dict(sessions[2]))
    elif tamper == "drop_last":
        sessions.pop()
    else:
        data["owner"] = "someone else"
    path.write_text(json.dumps(data))
    result = run("verify", str(path))
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("content", ["id,site\n1,claude\n", '{"format": "other"}', "[1, 2]",
                                     '{"format": "candor-journal", "version": 9}', ""])
def test_a_file_that_is_not_a_journal_gets_exit_2(run, content):
    path = run.tmp / "other.json"
    path.write_text(content)
    result = run("verify", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_missing_file_gets_exit_2(run):
    assert run("verify", str(run.tmp / "nope.json")).exit_code == 2


def test_redaction_defaults_and_choices_are_recorded(run):
    default = json.loads(exported(run).read_text())
    assert default["redaction"] == ["notes", "titles"]
    assert all(s["title"] is None and s["note"] is None for s in default["sessions"])
    assert any(s["url"] for s in default["sessions"])
    everything = json.loads(exported(run, "--redact", "none", name="all.json").read_text())
    assert everything["redaction"] == []
    assert any(s["note"] == "my private note" for s in everything["sessions"])
    assert any(s["title"] for s in everything["sessions"])
    no_urls = json.loads(exported(run, "--redact", "urls", "--redact", "notes",
                                  name="no-urls.json").read_text())
    assert no_urls["redaction"] == ["notes", "urls"]
    assert all(s["url"] is None and s["outcome_url"] is None for s in no_urls["sessions"])
    html = exported(run, "--format", "html", name="r.html").read_text()
    assert "Left out by the worker: notes, titles." in html


def csv_rows(text):
    """A CSV export's rows, its first comment line (time zone and range) left out."""
    comment, rest = text.split("\n", 1)
    assert comment.startswith("# Candor journal of ")
    return list(csv.DictReader(io.StringIO(rest)))


def test_csv_reads_back_one_row_per_session(run):
    data = json.loads(exported(run, "--redact", "none").read_text())
    rows = csv_rows(exported(run, "--format", "csv", "--redact", "none", name="j.csv").read_text())
    assert [r["id"] for r in rows] == [s["id"] for s in data["sessions"]]
    first = next(r for r, s in zip(rows, data["sessions"], strict=True) if s["tag"])
    session = next(s for s in data["sessions"] if s["id"] == first["id"])
    assert float(first["active_minutes"]) == pytest.approx(session["active_seconds"] / 60,
                                                            abs=0.01)
    assert first["tag"] == session["tag"]
    assert first["started_at"] == session["started_at"]


def test_a_date_range_exports_only_those_days(run):
    days = sorted({s["started_at"][:10] for s in json.loads(
        exported(run).read_text())["sessions"]})
    data = json.loads(exported(run, "--from", days[3], "--to", days[5],
                               name="some.json").read_text())
    assert data["range"] == {"from": days[3], "to": days[5]}
    assert data["sessions"] and all(days[2] <= s["started_at"][:10] <= days[6]
                                    for s in data["sessions"])


@pytest.mark.parametrize("args,message", [
    (["--format", "pdf"], "pdf"),
    (["--from", "2026-11-10", "--to", "2026-11-01"], "--to"),
    (["--redact", "secrets"], "secrets"),
])
def test_bad_arguments_are_refused_and_write_nothing(run, args, message):
    target = run.tmp / "out.json"
    result = run("export", "-o", str(target), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not target.exists()


def test_an_unwritable_place_leaves_nothing_behind(run):
    folder = run.tmp / "locked"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        result = run("export", "-o", str(folder / "j.json"))
        if os.geteuid() != 0:  # root may write anywhere
            assert result.exit_code == 1 and "Cannot write" in result.output
        result = run("export", "-o", str(run.tmp / "missing" / "j.json"))
        assert result.exit_code == 1 and "No such folder" in result.output
    finally:
        os.chmod(folder, 0o700)
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_the_api_serves_exports_as_downloads(client):
    r = client.get("/api/v1/export", query_string={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    assert r.mimetype == "text/csv"
    r = client.get("/api/v1/export")
    assert export.verify(r.json)[0] and r.json["redaction"] == ["notes", "titles"]
    # As the settings page's form sends it: a "none" and the boxes ticked.
    r = client.get("/api/v1/export?redact=none&redact=urls")
    assert r.json["redaction"] == ["urls"]
    assert client.get("/api/v1/export?redact=none").json["redaction"] == []
    for bad in ({"format": "pdf"}, {"redact": "secrets"}, {"from": "2026-02-30"}):
        r = client.get("/api/v1/export", query_string=bad)
        assert r.status_code == 422
        assert list(r.json["errors"]["query"]) == [next(iter(bad)) if "from" not in bad
                                                   else "from"]


def _rechained(data):
    """`data` with its hash chain recomputed, as the exporter of its time wrote it."""
    link = data["integrity"]["header"]
    for record in data["sessions"]:
        record.pop("chain")
        link = record["chain"] = export._link(link, record)
    data["integrity"]["head"] = link
    return data


def test_records_say_how_tokens_were_counted_and_older_journals_still_verify(run):
    path = exported(run)
    data = json.loads(path.read_text())
    assert {s["tokenizer"] for s in data["sessions"]} <= {"o200k", "chars/4", "mixed", None}
    # The demo's last two weeks were counted with o200k, the weeks before estimated.
    assert {"o200k", "chars/4"} <= {s["tokenizer"] for s in data["sessions"]}
    assert "tokenizer" in csv_rows(export.to_csv(data))[0]
    # A journal exported before the field existed: the same records without it.
    for record in data["sessions"]:
        del record["tokenizer"]
    older = run.tmp / "older.json"
    older.write_text(json.dumps(_rechained(data)))
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    result = run("verify", str(older))
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    from candor import journal_file
    assert journal_file.problem(data) is None
    data["sessions"][0]["tokenizer"] = "words"
    assert "tokenizer" in journal_file.problem(data)
