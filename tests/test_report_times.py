"""The HTML report shows its times in the worker's time zone, and says which."""

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from support import batch, event, new_id

from candor import journal

KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+5:30


def local_now():
    return datetime.now(KOLKATA).strftime("%Y-%m-%d %H:%M")


def test_the_report_gives_local_times_and_names_the_zone(client, db):
    journal.set_time_zone(db, "Asia/Kolkata")
    at = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)
    client.post("/api/v1/events", json=batch(event(new_id(), "activity", at, active_ms=600_000)))
    before = local_now()
    html = client.get("/api/v1/export", query_string={"format": "html"}).text
    after = local_now()
    assert "Days, weeks and times are in Asia/Kolkata" in html
    assert "2026-11-10 14:30" in html and "2026-11-10 09:00" not in html
    exported = re.search(r'exported <span class="date">([^<]+)</span>', html).group(1)
    assert exported in (before, after)  # when it was exported, in the worker's zone
    assert " UTC" not in html
