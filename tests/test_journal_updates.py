"""A coach, week after week: newer exports of a journal update it in place; exports pipe.

Through the real `candor` command (its own process) and the real server: the worker's
journal is made by Candor's demo generator in a real SQLite file, exported by the
worker's server or command, imported by the coach's command, read on the coach's server.
"""

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from support import batch, event, new_id, start_server

from candor import config, demo, export, journal, journal_file, time_zone
from candor.db import connect

FIXTURES = Path(__file__).parent / "fixtures"


def cli(*args, data_dir, env=None):
    """Run `candor` in its own process; the finished process (any exit code)."""
    return subprocess.run([sys.executable, "-m", "candor", *map(str, args)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CANDOR_DATA_DIR": str(data_dir), "TZ": "UTC",
                               **(env or {})})


def worker_journal(data_dir, zone, seed, days=14):
    """A worker's journal in a real SQLite file: `days` days of demo sessions, days in `zone`."""
    db = connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    journal.set_time_zone(db, zone)
    demo.fill(db, days=days, seed=seed)
    return db


def imported_ids(coach_dir, name):
    """The session ids in an imported journal's file, read as it is on disk."""
    conn = sqlite3.connect(f"file:{coach_dir / 'journals' / f'{name}.db'}?mode=ro", uri=True)
    try:
        return {sid for (sid,) in conn.execute("SELECT id FROM sessions")}
    finally:
        conn.close()


def call(server, method, path, **kwargs):
    r = requests.request(method, f"{server.url}{path}", headers=server.headers(), timeout=10,
                         **kwargs)
    assert r.ok, (method, path, r.status_code, r.text[:300])
    return r


def test_a_coach_imports_a_workers_journal_week_after_week(tmp_path):
    worker_dir, coach_dir = tmp_path / "worker", tmp_path / "coach"
    worker_journal(worker_dir, "Asia/Kolkata", seed=3).close()
    worker = start_server(worker_dir)
    coach = None
    try:
        call(worker, "PUT", "/api/v1/settings/owner", json={"owner": "Ada Lovelace"})
        week1 = tmp_path / "week1.json"
        week1.write_bytes(call(worker, "GET", "/api/v1/export", params={
            "format": "json", "redact": "none"}).content)
        done = cli("import", week1, data_dir=coach_dir)
        assert done.returncode == 0 and "as 'ada-lovelace'" in done.stdout, done.stderr
        first = json.loads(week1.read_text())
        assert first["journal_id"] and first["time_zone"] == "Asia/Kolkata"

        # The coach writes notes on a session and a week.
        coach = start_server(coach_dir)
        kept_session = first["sessions"][5]["id"]
        week = call(coach, "GET", "/api/v1/journals/ada-lovelace/stats",
                    params={"group": "week"}).json()["groups"][-1]["key"]
        for kind, key, note in (("session", kept_session, "Ask how this one shipped."),
                                ("week", week, "A focused week.")):
            call(coach, "PUT", "/api/v1/journals/ada-lovelace/notes",
                 json={"kind": kind, "key": key, "note": note})

        # The worker's week: a session forgotten, a verdict changed, a new session.
        forgotten = first["sessions"][0]["id"]
        retagged = next(s for s in reversed(first["sessions"]) if s["tag"] != "real")
        call(worker, "DELETE", f"/api/v1/sessions/{forgotten}")
        call(worker, "PATCH", f"/api/v1/sessions/{retagged['id']}", json={"tag": "real"})
        fresh = new_id()
        call(worker, "POST", "/api/v1/events", json=batch(event(
            fresh, "activity", datetime.now(timezone.utc) - timedelta(minutes=30),
            active_ms=120_000)))
        week2 = tmp_path / "week2.json"
        week2.write_bytes(call(worker, "GET", "/api/v1/export", params={
            "format": "json", "redact": "none"}).content)
        second = json.loads(week2.read_text())
        assert second["journal_id"] == first["journal_id"]

        done = cli("import", week2, data_dir=coach_dir)
        assert done.returncode == 0, done.stderr
        assert "Updated 'ada-lovelace'" in done.stdout
        assert "1 new session, 1 changed tag, 1 removed" in done.stdout, done.stdout
        assert imported_ids(coach_dir, "ada-lovelace") == {s["id"] for s in second["sessions"]}
        notes = call(coach, "GET", "/api/v1/journals/ada-lovelace/notes").json()["notes"]
        assert {n["note"] for n in notes} == {"Ask how this one shipped.", "A focused week."}
        [row] = call(coach, "GET", "/api/v1/journals").json()["journals"]
        assert row["exported_at"] == second["exported_at"]
        assert row["time_zone"] == "Asia/Kolkata" and row["verified"]
        assert row["sessions"] == len(second["sessions"])
        page = call(coach, "GET", "/journals/ada-lovelace").text
        assert "Updated from the export of" in page
        assert "1 new session, 1 changed tag, 1 removed" in page
        assert "Asia/Kolkata" in page
        listed = call(coach, "GET", "/journals/ada-lovelace/sessions").text
        assert listed.count("new since the last export") == 1
        assert "tag changed from" in listed
        mark = listed.index(f"/journals/ada-lovelace/sessions/{fresh}")
        assert "new since the last export" in listed[mark:mark + 600]

        # The same export again, or last week's: nothing changes, and it says so.
        again = cli("import", week2, data_dir=coach_dir)
        assert again.returncode == 0 and "already imported" in again.stdout
        assert "nothing changed" in again.stdout
        older = cli("import", week1, data_dir=coach_dir)
        assert older.returncode == 0, older.stderr
        assert "no newer than the one imported" in older.stdout
        assert "nothing changed" in older.stdout
        assert imported_ids(coach_dir, "ada-lovelace") == {s["id"] for s in second["sessions"]}
        [row] = call(coach, "GET", "/api/v1/journals").json()["journals"]
        assert row["exported_at"] == second["exported_at"]
    finally:
        worker.kill()
        if coach:
            coach.kill()

    # Another worker's journal under the same owner's name: refused, naming the way out.
    other_dir = tmp_path / "other"
    worker_journal(other_dir, "Europe/Paris", seed=4, days=5).close()
    other = tmp_path / "other.json"
    assert cli("export", "-o", other, "--owner", "Ada Lovelace",
               data_dir=other_dir).returncode == 0
    refused = cli("import", other, data_dir=coach_dir)
    assert refused.returncode == 1 and "--name" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert imported_ids(coach_dir, "ada-lovelace") == {s["id"] for s in second["sessions"]}
    named = cli("import", other, "--name", "ada-paris", data_dir=coach_dir)
    assert named.returncode == 0 and "as 'ada-paris'" in named.stdout
    # Asked to update the first journal under the second one's name: refused.
    clash = cli("import", week1, "--name", "ada-paris", data_dir=coach_dir)
    assert clash.returncode == 1 and "already imported as 'ada-lovelace'" in clash.stderr


def test_a_narrower_export_replaces_only_the_days_it_covers(tmp_path):
    worker_dir, coach_dir = tmp_path / "worker", tmp_path / "coach"
    db = worker_journal(worker_dir, "Europe/Paris", seed=5)
    everything = tmp_path / "all.json"
    assert cli("export", "-o", everything, "--owner", "Ada", data_dir=worker_dir).returncode == 0
    assert cli("import", everything, data_dir=coach_dir).returncode == 0
    sessions = json.loads(everything.read_text())["sessions"]
    zone = time_zone.zone(db)
    since = time_zone.today(zone) - timedelta(days=3)
    # Forgotten by the worker since: one long before the new export's range, one within it.
    old = sessions[0]["id"]
    recent = next(s["id"] for s in sessions if datetime.fromisoformat(s["started_at"]) >
                  time_zone.day_start(since + timedelta(days=1), zone))
    for sid in (old, recent):
        journal.forget_session(db, sid)
    db.close()
    narrow = tmp_path / "recent.json"
    assert cli("export", "-o", narrow, "--from", since.isoformat(),
               data_dir=worker_dir).returncode == 0
    data = json.loads(narrow.read_text())
    assert data["range"] == {"from": since.isoformat(), "to": None}
    done = cli("import", narrow, data_dir=coach_dir)
    assert done.returncode == 0 and "1 removed" in done.stdout, (done.stdout, done.stderr)
    ids = imported_ids(coach_dir, "ada")
    assert old in ids and recent not in ids  # outside its range, the older export stays
    assert ids == {s["id"] for s in sessions} - {recent}
    coach = start_server(coach_dir)
    try:
        [row] = call(coach, "GET", "/api/v1/journals").json()["journals"]
        first_day = datetime.fromisoformat(sessions[0]["started_at"]).astimezone(zone).date()
        assert row["covered"] == {"from": first_day.isoformat(),
                                  "to": time_zone.today(zone).isoformat()}
        assert row["exported_at"] == data["exported_at"]
    finally:
        coach.kill()


def test_export_to_standard_output_pipes_in_every_format(tmp_path):
    worker_dir, coach_dir = tmp_path / "worker", tmp_path / "coach"
    worker_journal(worker_dir, "Asia/Kolkata", seed=6, days=7).close()
    asked = ["--from", "2020-01-01", "--to", "2999-12-31", "--owner", "Ada"]
    out = {}
    for fmt in export.FORMATS:
        done = cli("export", "-o", "-", "--format", fmt, *asked, data_dir=worker_dir)
        assert done.returncode == 0, done.stderr
        assert "to standard output" in done.stderr  # the message stays out of the pipe
        out[fmt] = done.stdout
    path = tmp_path / "piped.json"
    path.write_text(out["json"])
    verified = cli("verify", path, data_dir=coach_dir)
    assert verified.returncode == 0 and "intact" in verified.stdout
    assert cli("import", path, data_dir=coach_dir).returncode == 0
    data = json.loads(out["json"])
    comment, rest = out["csv"].split("\n", 1)
    assert comment.startswith("# Candor journal of Ada; time zone Asia/Kolkata; "
                              "from 2020-01-01 to 2999-12-31; exported 20")
    rows = list(csv.DictReader(io.StringIO(rest)))
    assert [r["id"] for r in rows] == [s["id"] for s in data["sessions"]]
    assert out["html"].startswith("<!doctype html>")
    assert "in Asia/Kolkata (the worker's time zone)" in out["html"]
    # Nothing was left behind as a file named "-".
    assert not (Path.cwd() / "-").exists()


def test_the_owners_name_is_remembered(tmp_path):
    worker_dir = tmp_path / "worker"
    worker_journal(worker_dir, "Europe/Paris", seed=7, days=3).close()

    def owner(*args, env=None):
        done = cli("export", "-o", "-", *args, data_dir=worker_dir, env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["owner"]

    assert owner(env={"USER": "grace"}) == "grace"
    without_user = {k: v for k, v in os.environ.items() if k != "USER"}
    done = subprocess.run([sys.executable, "-m", "candor", "export", "-o", "-"],
                          capture_output=True, text=True, timeout=60,
                          env={**without_user, "CANDOR_DATA_DIR": str(worker_dir)})
    assert json.loads(done.stdout)["owner"] == "me"
    assert owner("--owner", "  Ada Lovelace ") == "Ada Lovelace"
    assert owner(env={"USER": "grace"}) == "Ada Lovelace"  # remembered
    for bad in ("   ", "Ada\nLovelace", "x" * 101):
        target = tmp_path / "bad.json"
        done = cli("export", "-o", target, "--owner", bad, data_dir=worker_dir)
        assert done.returncode == 2 and "--owner" in done.stderr and not target.exists()

    server = start_server(worker_dir)
    try:
        assert call(server, "GET", "/api/v1/settings/owner").json() == {"owner": "Ada Lovelace"}
        assert call(server, "PUT", "/api/v1/settings/owner",
                    json={"owner": "Ada L."}).json() == {"owner": "Ada L."}
        exported = call(server, "GET", "/api/v1/export", params={"format": "html"}).text
        assert "Candor journal of Ada L." in exported
        for bad in ("", "a\tb", 42):
            r = requests.put(f"{server.url}/api/v1/settings/owner", json={"owner": bad},
                             headers=server.headers(), timeout=10)
            assert r.status_code == 422 and list(r.json()["errors"]["json"]) == ["owner"]
    finally:
        server.kill()
    assert owner() == "Ada L."


def test_a_version_1_journal_still_verifies_and_imports(tmp_path):
    path = FIXTURES / "journal-v1.json"
    data = json.loads(path.read_text())
    assert data["version"] == 1 and "journal_id" not in data
    assert journal_file.problem(data) is None
    done = cli("verify", path, data_dir=tmp_path / "coach")
    assert done.returncode == 0 and "intact: 38 sessions" in done.stdout
    done = cli("import", path, data_dir=tmp_path / "coach")
    assert done.returncode == 0 and "as 'ada-lovelace'" in done.stdout
    again = cli("import", path, data_dir=tmp_path / "coach")
    assert again.returncode == 0 and "already imported" in again.stdout
    coach = start_server(tmp_path / "coach")
    try:
        [row] = call(coach, "GET", "/api/v1/journals").json()["journals"]
        assert row["time_zone"] == "Europe/Paris"
        assert row["covered"] == {"from": "2026-11-20", "to": "2026-11-26"}
        assert row["sessions"] == 38
        # Its pages: its worker's zone, the days it covers, and in the week-note picker
        # the ISO weeks it covers (Monday to Sunday), newest first.
        page = call(coach, "GET", "/journals/ada-lovelace").text
        assert "in <strong>Europe/Paris</strong>, not yours" in page
        assert "20 Nov – 26 Nov 2026" in page and 'value="2026-11-20"' in page
        for shown in (page, call(coach, "GET", "/journals/ada-lovelace?range=12w").text):
            picker = shown.split('id="week-key"')[1].split("</select>")[0]
            assert re.findall(r"<option>([^<]+)</option>", picker) == ["2026-W48", "2026-W47"]
    finally:
        coach.kill()
    # A record of version 2 in a version 1 journal is malformed, not a quiet mix.
    mixed = json.loads(path.read_text())
    mixed["sessions"][0]["kind"] = "chat"
    assert "'kind'" in journal_file.problem(mixed)


@pytest.mark.parametrize("change,named", [
    (lambda d: d.pop("journal_id"), "'journal_id'"),
    (lambda d: d.update(journal_id="not-an-id"), "'journal_id'"),
    (lambda d: d.pop("time_zone"), "'time_zone'"),
    (lambda d: d["sessions"][0].update(kind="robot"), "'kind'"),
    (lambda d: d["sessions"][0].update(tokens_in=-1), "'tokens_in'"),
    (lambda d: d["sessions"][0].update(models="gpt-5"), "'models'"),
    (lambda d: d["sessions"][0].pop("requests"), "'requests'"),
])
def test_a_version_2_journal_is_checked_field_by_field(tmp_path, change, named):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(export.__file__).parent / "journal.schema.json").read_text())
    db = worker_journal(tmp_path / "worker", "Europe/Paris", seed=8, days=3)
    data = export.build(db, owner="Ada")
    db.close()
    assert journal_file.problem(data) is None
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    change(data)
    assert named in journal_file.problem(data)
    assert not jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker()).is_valid(data)


def test_the_journals_api_sorts_by_any_column(app, client, tmp_path):
    for owner, seed, zone in (("Ada", 1, "Asia/Kolkata"), ("Grace", 2, "America/New_York"),
                              ("Sam", 3, "Europe/Paris")):
        worker_journal(tmp_path / owner, zone, seed=seed, days=4 + 3 * seed).close()
        path = tmp_path / f"{owner}.json"
        assert cli("export", "-o", path, "--owner", owner, data_dir=tmp_path / owner
                   ).returncode == 0
        assert cli("import", path, data_dir=app.config["DATA_DIR"]).returncode == 0

    def listed(**query):
        r = client.get("/api/v1/journals", query_string=query)
        assert r.status_code == 200, r.json
        return r.json["journals"]

    assert [j["owner"] for j in listed()] == ["Ada", "Grace", "Sam"]
    assert [j["owner"] for j in listed(sort="owner", order="desc")] == ["Sam", "Grace", "Ada"]
    assert [j["time_zone"] for j in listed(sort="time_zone")] == [
        "America/New_York", "Asia/Kolkata", "Europe/Paris"]
    for key, value in (("sessions", lambda j: j["sessions"]),
                       ("value_ratio", lambda j: j["value_ratio"]),
                       ("signals", lambda j: sum(j["signals"].values())),
                       ("covered", lambda j: j["covered"]["from"])):
        up, down = listed(sort=key), listed(sort=key, order="desc")
        assert [value(j) for j in up] == sorted(value(j) for j in up), key
        assert [value(j) for j in down] == sorted((value(j) for j in up), reverse=True), key
    for bad in ({"sort": "salary"}, {"order": "sideways"}):
        r = client.get("/api/v1/journals", query_string=bad)
        assert r.status_code == 422 and list(r.json["errors"]["query"]) == list(bad)


def test_an_agent_session_travels_to_the_coach_with_its_exact_counts(tmp_path):
    from agent_logs import SECRET, claude_assistant, claude_user, write_lines

    worker_dir, coach_dir = tmp_path / "worker", tmp_path / "coach"
    session = "7d1f5a4e-2b1c-4c8e-9f3a-1b2c3d4e5f60"
    write_lines(tmp_path / "logs" / "candor" / f"{session}.jsonl", [
        claude_user(session, 0),
        claude_assistant(session, "msg_1", "req_1", 0.5, (4, 300, 1_000, 0), tool="toolu_1"),
        claude_assistant(session, "msg_2", "req_2", 2, (1, 50, 100, 2_000)),
    ])
    scanned = cli("agents", "scan", "--source", "claude-code", "--path", tmp_path / "logs",
                  data_dir=worker_dir)
    assert scanned.returncode == 0, scanned.stderr
    kept = cli("export", "-o", "-", "--redact", "none", "--owner", "Ada", data_dir=worker_dir)
    redacted = cli("export", "-o", "-", data_dir=worker_dir)
    [agent] = [r for r in json.loads(kept.stdout)["sessions"] if r["kind"] == "agent"]
    assert (agent["site"], agent["tokens_in"], agent["tokens_out"], agent["tokens_cache_write"],
            agent["tokens_cache_read"], agent["requests"], agent["tool_calls"]) == (
        "claude-code", 5, 350, 1_100, 2_000, 2, 1)
    assert agent["models"] == ["claude-sonnet-4-5-20250929"] and agent["project"]
    [hidden] = [r for r in json.loads(redacted.stdout)["sessions"] if r["kind"] == "agent"]
    assert hidden["project"] is None and hidden["tokens_out"] == 350  # a title-like field
    assert SECRET not in kept.stdout

    path = tmp_path / "ada.json"
    path.write_text(kept.stdout)
    assert cli("import", path, data_dir=coach_dir).returncode == 0
    coach = start_server(coach_dir)
    try:
        page = call(coach, "GET", f"/journals/ada/sessions/{agent['id']}").text
        assert "Claude Code" in page and "1,100" in page and "2,000" in page
    finally:
        coach.kill()
