"""A worker's journal as a coach gets it: made in a real SQLite file, exported and imported
by the real `candor` command, each in its own process."""

import json
from datetime import datetime, timedelta, timezone

from support import candor, event, new_id

from candor import config, demo, ingest, journal
from candor.db import connect
from candor.schemas import load_event

WORKER_ZONE = "Pacific/Auckland"
COACH_ZONE = "America/New_York"
# 09:00 on 10 November in Auckland, the worker's zone; still 15:00 on the 9th in New York.
MORNING = datetime(2026, 11, 9, 20, 0, tzinfo=timezone.utc)
WORKER_DAY, COACH_DAY = "2026-11-10", "2026-11-09"
TITLE = "Über-invoice parser for Acme"
NOTE = "Shipped: the INVOICE totals now match the ledger"


def worker_journal(data_dir, zone=WORKER_ZONE):
    """A worker's journal: three weeks of demo chats and agent sessions, days in `zone`, a
    few labels and a note, and the session of MORNING (titled TITLE); returns its id."""
    db = connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    try:
        journal.set_time_zone(db, zone)
        demo.fill(db, days=21, seed=7)
        demo.fill_agents(db, days=21, seed=8)
        morning = new_id()
        ingest.store_events(db, [load_event(e) for e in (
            event(morning, "prompt", MORNING, title=TITLE),
            event(morning, "activity", MORNING + timedelta(minutes=4), active_ms=240_000))])
        journal.change_session(db, morning, {"labels": ["acme"]})
        newest = [sid for (sid,) in db.conn.execute(
            "SELECT id FROM sessions WHERE kind = 'chat' ORDER BY started_at DESC LIMIT 30")]
        for sid in newest[::3]:
            journal.change_session(db, sid, {"labels": ["acme", "hiring"]})
        journal.change_session(db, newest[4], {"note": NOTE})
    finally:
        db.close()
    return morning


def export_and_import(worker_dir, coach_dir, tmp_path, name="ada", redact="none"):
    """Export the worker's journal (`redact`: what it leaves out) and import it as the coach,
    each with the real command in its own time zone; returns the journal as exported."""
    path = tmp_path / f"{name}.json"
    candor("export", "-o", str(path), "--owner", "Ada", "--redact", redact,
           data_dir=worker_dir, tz=WORKER_ZONE)
    candor("import", str(path), "--name", name, data_dir=coach_dir, tz=COACH_ZONE)
    return json.loads(path.read_text())
