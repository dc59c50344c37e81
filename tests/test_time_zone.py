"""The journal has one time zone, stored in it: every process counts days in it, whatever its TZ."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import requests
from support import batch, candor, event, new_id, start_server

from candor import export, ingest, journal, report, time_zone
from candor.db import connect
from candor.schemas import load_event

NINE_PM = datetime(2026, 11, 9, 20, 0, tzinfo=timezone.utc)  # 01:30 on the 10th in India


def rows(*events):
    """Events as checked rows, ready for ingest.store_events."""
    return [load_event(e) for e in events]


def day_totals(db):
    return db.conn.execute("SELECT day, tag, active_ms, est_tokens, sessions FROM day_totals "
                           "WHERE active_ms OR est_tokens OR sessions ORDER BY 1, 2").fetchall()


def counted_in(db, zone_name):
    """day_totals as they should be in `zone_name`, added up here in Python from the buckets."""
    zone, sums = ZoneInfo(zone_name), {}
    for bucket, tag, ms, tokens in db.conn.execute(
            "SELECT bucket, coalesce(tag, ''), active_ms, est_tokens FROM session_buckets"):
        cell = sums.setdefault((datetime.fromtimestamp(bucket, zone).date().isoformat(), tag),
                               [0, 0, 0])
        cell[0] += ms
        cell[1] += tokens
    for started, tag in db.conn.execute("SELECT started_at, coalesce(tag, '') FROM sessions"):
        day = datetime.fromtimestamp(started / 1000, zone).date().isoformat()
        sums.setdefault((day, tag), [0, 0, 0])[2] += 1
    return sorted((d, t, *v) for (d, t), v in sums.items() if any(v))


def python(code, env):
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_new_journal_takes_the_machines_zone_by_its_iana_name(tmp_path):
    found = "from candor import time_zone; print(time_zone.machine())"
    assert python(found, {"TZ": "Europe/Paris"}) == "Europe/Paris"
    assert python(found, {"TZ": ":Asia/Tokyo"}) == "Asia/Tokyo"
    link = os.readlink("/etc/localtime").rsplit("zoneinfo/", 1)[-1]
    assert python(found, {"TZ": "Not/A_Zone"}) == (link if time_zone.is_zone(link) else "UTC")
    path = tmp_path / "candor.db"
    code = ("from candor import time_zone; from candor.db import connect; "
            f"print(time_zone.name(connect({str(path)!r})))")
    assert python(code, {"TZ": "Asia/Kolkata"}) == "Asia/Kolkata"
    assert python(code, {"TZ": "America/New_York"}) == "Asia/Kolkata"  # found once, kept


def test_two_processes_under_different_tz_count_the_same_days(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, env={"TZ": "Asia/Kolkata"})
    try:
        def send(active_ms):
            requests.post(f"{server.url}/api/v1/events", headers=server.headers(), timeout=10,
                          json=batch(event(new_id(), "activity", NINE_PM, active_ms=active_ms))
                          ).raise_for_status()

        def days():
            r = requests.get(f"{server.url}/api/v1/stats", headers=server.headers(), timeout=5,
                             params={"from": "2026-11-09", "to": "2026-11-10", "group": "day"})
            return {g["key"]: g["untagged_seconds"] for g in r.json()["groups"]}

        send(60_000)
        # The command line, from a shell in New York, while the server runs in India.
        table = candor("stats", "--from", "2026-11-09", "--to", "2026-11-10", "--group", "day",
                       data_dir=data_dir, tz="America/New_York")
        send(120_000)  # and the server goes on adding, as it did
        assert days() == {"2026-11-09": 0, "2026-11-10": 180}
        # It says which zone its days are in: the journal's, not the shell's.
        assert table.splitlines()[0] == "Days and hours in Asia/Kolkata (the journal's time zone)."
        def untagged(line):  # its fourth column of times, 14 wide after a 12 wide key
            return line[12 + 14 * 3:12 + 14 * 4].strip()

        assert {line.split()[0]: untagged(line) for line in table.splitlines()[2:]} == {
            "2026-11-09": "0 s", "2026-11-10": "1 min", "total": "1 min"}
        again = candor("stats", "--from", "2026-11-10", "--to", "2026-11-10",
                       data_dir=data_dir, tz="America/New_York")
        assert untagged(again.splitlines()[-1]) == "3 min"
    finally:
        server.kill()


def test_changing_the_zone_rebuilds_the_day_totals_once(tmp_path):
    path = str(tmp_path / "data" / "candor.db")
    os.makedirs(tmp_path / "data")
    db = connect(path)
    ingest.store_events(db, rows(event(new_id(), "activity", NINE_PM, active_ms=60_000),
                                 event(new_id(), "activity", NINE_PM + timedelta(hours=5),
                                       active_ms=30_000)))
    assert journal.set_time_zone(db, "Asia/Kolkata") is True
    assert day_totals(db) == counted_in(db, "Asia/Kolkata")
    # A row no rebuild would keep: it shows whether anything rebuilt the totals since.
    db.conn.execute("INSERT INTO day_totals (day, tag, sessions) VALUES ('1999-01-01', '', 1)")
    db.conn.commit()
    marker = ("1999-01-01", "", 0, 0, 1)
    assert journal.set_time_zone(db, "Asia/Kolkata") is False
    connect(path).close()  # opened (and migrated) again in this process
    candor("stats", data_dir=tmp_path / "data", tz="America/New_York")  # another, elsewhere
    report.stats(db)
    assert marker in day_totals(db)
    assert journal.set_time_zone(db, "Pacific/Auckland") is True
    assert marker not in day_totals(db)
    assert day_totals(db) == counted_in(db, "Pacific/Auckland")
    db.close()


def test_a_change_made_on_one_connection_is_followed_by_the_others(tmp_path):
    path = str(tmp_path / "candor.db")
    changer, writer = connect(path), connect(path)  # both open before any change
    journal.set_time_zone(changer, "Asia/Kolkata")
    ingest.store_events(writer, rows(event(new_id(), "activity", NINE_PM, active_ms=60_000)))
    assert day_totals(writer) == counted_in(writer, "Asia/Kolkata")
    journal.set_time_zone(changer, "America/New_York")
    ingest.store_events(writer, rows(event(new_id(), "activity", NINE_PM, active_ms=30_000)))
    assert day_totals(writer) == counted_in(writer, "America/New_York")
    assert report.stats(writer, NINE_PM.date(), NINE_PM.date())["untagged_seconds"] == 90
    changer.close()
    writer.close()


def test_the_zone_through_the_api_and_the_settings_page(client, db):
    assert client.get("/api/v1/settings/time-zone").json == {"time_zone": time_zone.name(db)}
    for wrong in ({"time_zone": "Mars/Olympus_Mons"}, {"time_zone": ""}, {},
                  {"time_zone": "Europe/Paris", "also": 1}, {"time_zone": 5}):
        r = client.put("/api/v1/settings/time-zone", json=wrong)
        assert r.status_code == 422, wrong
        assert set(r.json["errors"]["json"]) <= {"time_zone", "also"}, r.json
    r = client.put("/api/v1/settings/time-zone", json={"time_zone": "Europe/Paris"})
    assert r.json == {"time_zone": "Europe/Paris", "changed": True}
    assert client.put("/api/v1/settings/time-zone",
                      json={"time_zone": "Europe/Paris"}).json["changed"] is False
    page = client.get("/settings").text
    assert 'id="time-zone-now">Europe/Paris<' in page
    assert '<option value="America/New_York">' in page


def test_an_export_says_which_zone_its_days_are_in(db):
    journal.set_time_zone(db, "Asia/Kolkata")
    data = export.build(db)
    assert data["time_zone"] == "Asia/Kolkata"  # version 2: in the header, chained
    assert export.verify(data)[0]
