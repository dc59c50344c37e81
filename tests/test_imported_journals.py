"""Imported journals are made whole at import, then only ever opened read-only."""

import hashlib
import json
import sqlite3
from datetime import datetime, timezone

import pytest
import requests
import sqlite_utils
from support import batch, candor, event, new_id, start_server

from candor import coach, export, ingest, journal, migrations, report, time_zone
from candor.db import connect
from candor.schemas import load_event

NINE_PM = datetime(2026, 11, 9, 20, 0, tzinfo=timezone.utc)  # 01:30 on the 10th in India


def fingerprint(path):
    """The journal file's bytes and its neighbours: what opening it must not change."""
    files = sorted(p.name for p in path.parent.iterdir())
    return hashlib.sha256(path.read_bytes()).hexdigest(), files


def test_an_imported_journal_shows_its_workers_days_and_is_never_written(tmp_path):
    # The worker, in India: a minute of work at 01:30 on the 10th, their time.
    worker = start_server(tmp_path / "worker", env={"TZ": "Asia/Kolkata"})
    try:
        requests.post(f"{worker.url}/api/v1/events", headers=worker.headers(), timeout=10,
                      json=batch(event(new_id(), "activity", NINE_PM, active_ms=60_000))
                      ).raise_for_status()
        exported = requests.get(f"{worker.url}/api/v1/export", headers=worker.headers(),
                                params={"format": "json"}, timeout=10)
    finally:
        worker.kill()
    path = tmp_path / "ada.json"
    path.write_bytes(exported.content)
    # The coach imports it in London and reviews it on a server running in New York.
    coach_dir = tmp_path / "coach"
    candor("import", str(path), "--name", "ada", data_dir=coach_dir, tz="Europe/London")
    imported = coach_dir / "journals" / "ada.db"
    before = fingerprint(imported)
    server = start_server(coach_dir, env={"TZ": "America/New_York"})
    try:
        def get(url, **params):
            r = requests.get(f"{server.url}{url}", params=params, headers=server.headers(),
                             timeout=10)
            assert r.status_code == 200, (url, r.text[:300])
            return r

        days = get("/api/v1/journals/ada/stats", group="day", **{
            "from": "2026-11-09", "to": "2026-11-10"}).json()["groups"]
        assert {g["key"]: g["untagged_seconds"] for g in days} == {
            "2026-11-09": 0, "2026-11-10": 60}
        get("/journals/ada")
        get("/journals/ada/sessions")
        get("/api/v1/journals")
        get("/journals")
    finally:
        server.kill()
    assert fingerprint(imported) == before


def as_version_1(data):
    """A version 2 journal as a version 1 one without a zone (an older Candor's), chained again."""
    data = {k: v for k, v in data.items()
            if k in (*export.HEADER_FIELDS_V1, "sessions", "integrity")}
    data["version"] = 1
    link = data["integrity"]["header"] = export.header_link(data)
    for index, record in enumerate(data["sessions"]):
        record = data["sessions"][index] = {k: v for k, v in record.items()
                                            if k in export.RECORD_FIELDS_V1}
        record["chain"] = link = export._link(link, record)
    data["integrity"]["head"] = link
    return data


def test_an_imported_journal_without_a_zone_takes_the_importers(app, db, tmp_path):
    journal.set_time_zone(db, "Asia/Kolkata")
    ingest.store_events(db, [load_event(event(new_id(), "activity", NINE_PM,
                                              active_ms=60_000))])
    data = export.build(db, owner="Ada")
    assert data["time_zone"] == "Asia/Kolkata"
    # As an older Candor exported it: version 1, no zone (chained again).
    data = as_version_1(data)
    assert export.verify(data)[0]
    journal.set_time_zone(db, "America/New_York")  # the coach's own journal
    raw = json.dumps(data).encode()
    coach.import_journal(db, app.config["DATA_DIR"], raw, data, name="ada")
    jdb = coach.open_journal(db, app.config["DATA_DIR"], "ada")
    try:
        assert time_zone.name(jdb) == "America/New_York"
        assert report.stats(jdb, NINE_PM.date(), NINE_PM.date())["untagged_seconds"] == 60
    finally:
        jdb.close()


def test_opening_an_imported_journal_cannot_write_it(app, db, tmp_path):
    journal.set_time_zone(db, "Asia/Kolkata")
    data = export.build(db, owner="Grace")
    coach.import_journal(db, app.config["DATA_DIR"], json.dumps(data).encode(), data)
    jdb = coach.open_journal(db, app.config["DATA_DIR"], "grace")
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only"):
            jdb.conn.execute("DELETE FROM day_totals")
        assert jdb.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        jdb.close()
    notes = coach.open_journal(db, app.config["DATA_DIR"], "grace", writable=True)
    coach.set_note(notes, "week", "2026-W46", "A good week.")  # the coach's own notes
    notes.close()


def test_journals_imported_by_an_older_candor_are_brought_up_to_date_at_start(tmp_path):
    data_dir = tmp_path / "coach"
    path = data_dir / "journals" / "old.db"
    path.parent.mkdir(parents=True)
    own = connect(str(data_dir / "candor.db"))
    journal.set_time_zone(own, "Europe/Paris")
    own.conn.execute(
        "INSERT INTO journals (name, owner, verified, file_sha256, imported_at) "
        "VALUES ('old', 'Old', 1, 'x', 0)")
    own.conn.commit()
    old = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(old, stop_before="m009_journal_time_zone")
    old.conn.execute("PRAGMA journal_mode = WAL")
    old.close()
    assert coach.upgrade_imported(own, data_dir) == ["old"]
    jdb = coach.open_journal(own, data_dir, "old")
    try:
        assert migrations.journal.pending(jdb) == []
        assert time_zone.name(jdb) == "Europe/Paris"
        assert jdb.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        jdb.close()
    assert coach.upgrade_imported(own, data_dir) == []  # once
    own.close()


def test_a_damaged_imported_journal_does_not_keep_the_server_from_starting(tmp_path):
    data_dir = tmp_path / "coach"
    (data_dir / "journals").mkdir(parents=True)
    own = connect(str(data_dir / "candor.db"))
    own.conn.execute(
        "INSERT INTO journals (name, owner, verified, file_sha256, imported_at) "
        "VALUES ('broken', 'Broken', 1, 'x', 0)")
    own.conn.commit()
    (data_dir / "journals" / "broken.db").write_bytes(b"not a database at all" * 100)
    assert coach.upgrade_imported(own, data_dir) == []
    own.close()
    server = start_server(data_dir)  # migrates at start, as `candor serve` does
    try:
        assert requests.get(f"{server.url}/api/v1/health", timeout=5).json()["status"] == "ok"
        # The coach's table says what is wrong with it; its own pages are not found.
        listed = requests.get(f"{server.url}/api/v1/journals", headers=server.headers(),
                              timeout=5).json()["journals"]
        assert listed == [{"name": "broken", "owner": "Broken", "verified": True,
                           "unreadable": True}]
        page = requests.get(f"{server.url}/journals", headers=server.headers(), timeout=5)
        assert page.status_code == 200 and "missing or damaged" in page.text
        gone = requests.get(f"{server.url}/journals/broken", headers=server.headers(), timeout=5)
        assert gone.status_code == 404
    finally:
        server.kill()
