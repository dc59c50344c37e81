"""The real `candor serve` process: HTTP on 127.0.0.1, durable across kill -9."""

import http.client
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timezone

import requests
from support import NAVIGATE, batch, event, new_id, start_server


def post(server, *events):
    r = requests.post(f"{server.url}/api/v1/events", json=batch(*events),
                      headers=server.headers(), timeout=10)
    r.raise_for_status()
    return r.json()


def server_log(server):
    return (server.data_dir.parent / f"server-{server.port}.log").read_text()


def test_serve_says_how_to_open_the_dashboard_and_answers(live_server):
    log = server_log(live_server)
    assert f"at http://127.0.0.1:{live_server.port}/" in log
    assert f"Open the dashboard: candor open --port {live_server.port}" in log
    health = requests.get(f"{live_server.url}/api/v1/health", timeout=5).json()
    assert health["status"] == "ok"
    sid = new_id()
    assert post(live_server, event(sid, "activity", active_ms=5000))["accepted"] == 1
    s = requests.get(f"{live_server.url}/api/v1/sessions/{sid}", headers=live_server.headers(),
                     timeout=5).json()
    assert s["active_seconds"] == 5


def candor_open(server):
    """Run `candor open` as a person would in a terminal without a screen."""
    env = {**os.environ, "CANDOR_DATA_DIR": str(server.data_dir)}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "candor", "open", "--port", str(server.port)],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done


def test_candor_open_prints_a_link_that_logs_in_once(live_server):
    done = candor_open(live_server)
    link = re.search(r"http://127\.0\.0\.1:\d+/login\?code=\S+", done.stdout).group(0)
    assert done.stderr == ""  # the server is running: no warning
    browser = requests.Session()
    browser.headers.update(NAVIGATE)
    r = browser.get(link, timeout=5)
    assert r.status_code == 200 and r.url == f"{live_server.url}/"  # the code left the address
    assert "Welcome to Candor" in r.text  # the overview of a new journal
    api = browser.get(f"{live_server.url}/api/v1/stats", timeout=5,
                      headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"})
    assert api.status_code == 200
    # The cookie replayed by another program (no Sec-Fetch-Site) reads nothing.
    replay = requests.get(f"{live_server.url}/api/v1/stats", cookies=browser.cookies, timeout=5)
    assert replay.status_code == 401
    # The link was single use.
    assert requests.get(link, headers=NAVIGATE, timeout=5).status_code == 401
    # Nothing the server wrote holds the token or a login link.
    log = server_log(live_server)
    assert live_server.token not in log and "code=" not in log


def test_candor_open_says_when_the_server_is_not_running(tmp_path):
    env = {**os.environ, "CANDOR_DATA_DIR": str(tmp_path / "data")}
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "candor", "open", "--port", "9"],
                          env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    assert "not answering on 127.0.0.1:9" in done.stderr and "candor serve" in done.stderr
    assert "/login?code=" in done.stdout


def test_acknowledged_events_survive_kill_9(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    sid = new_id()
    sent = [event(sid, "activity", active_ms=1000) for _ in range(300)]
    for start in range(0, 300, 100):
        assert post(server, *sent[start:start + 100])["accepted"] == 100
    server.kill()  # SIGKILL straight after the last acknowledgement
    server = start_server(data_dir)
    try:
        again = post(server, *sent)
        assert again == {"accepted": 0, "duplicates": 300, "rejected": []}
        s = requests.get(f"{server.url}/api/v1/sessions/{sid}", headers=server.headers(),
                         timeout=5).json()
        assert s["active_seconds"] == 300
    finally:
        server.kill()


def raw_request(server, method, path, token=True, host=None):
    """Send a request exactly as written (no client-side path clean-up)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host or f"127.0.0.1:{server.port}")
    if token:
        conn.putheader("Authorization", f"Bearer {server.token}")
    conn.putheader("Content-Type", "application/json")
    body = b'{"client": {"id": "x"}, "events": []}'
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def test_path_tricks_do_not_get_past_the_token_check(live_server):
    for path in ("//api/v1/events", "/api/v1/../api/v1/events", "/api/v1/./events",
                 "/api%2Fv1%2Fevents", "/api/v1/events%00", "/%2e%2e/api/v1/events",
                 "/api/v1/health/../events", "///api/v1/sessions"):
        status = raw_request(live_server, "POST", path, token=False)
        assert status in (401, 404, 405, 308), (path, status)
    assert raw_request(live_server, "POST", "/api/v1/events", token=False) == 401
    assert raw_request(live_server, "POST", "/api/v1/events", host="rebind.example") == 403
    # With the token, the real path works and says the empty batch is malformed.
    assert raw_request(live_server, "POST", "/api/v1/events") == 422


def test_local_days_follow_the_servers_time_zone(tmp_path):
    # India is 5:30 ahead of UTC: 20:00 UTC is 01:30 the next local day.
    server = start_server(tmp_path / "data", env={"TZ": "Asia/Kolkata"})
    try:
        sid = new_id()
        post(server, event(sid, "activity", datetime(2026, 11, 9, 18, 0, tzinfo=timezone.utc),
                           active_ms=60_000),
             event(sid, "activity", datetime(2026, 11, 9, 20, 0, tzinfo=timezone.utc),
                   active_ms=30_000))

        def untagged(day):
            return requests.get(f"{server.url}/api/v1/stats", params={"from": day, "to": day},
                                headers=server.headers(), timeout=5).json()["untagged_seconds"]

        assert untagged("2026-11-09") == 60
        assert untagged("2026-11-10") == 30
    finally:
        server.kill()


def test_backup_while_the_server_takes_events(live_server, tmp_path):
    post(live_server, *[event(type="activity", active_ms=10) for _ in range(50)])
    env = {**os.environ, "CANDOR_DATA_DIR": str(live_server.data_dir)}
    target = tmp_path / "backup.db"
    done = subprocess.run([sys.executable, "-m", "candor", "backup", str(target)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    import sqlite3
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM events").fetchone()[0] == 50
    copy.close()


def test_a_taken_port_gets_a_clear_message(live_server, tmp_path):
    env = {**os.environ, "CANDOR_DATA_DIR": str(tmp_path / "other")}
    done = subprocess.run([sys.executable, "-m", "candor", "serve", "--port",
                           str(live_server.port)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert f"Port {live_server.port} on 127.0.0.1 is in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_serves_a_living_journal_and_cleans_up(tmp_path):
    server = start_server(tmp_path / "unused", extra_args=["--demo"])
    log_path = tmp_path / f"server-{server.port}.log"
    try:
        log = log_path.read_text()
        demo_dir = log.split("sessions in ")[1].split(" ")[0]
        token = open(os.path.join(demo_dir, "token")).read().strip()
        page = requests.get(f"{server.url}/api/v1/sessions", params={"limit": 500},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        sessions = page["sessions"]
        assert len(sessions) > 30
        assert {s["tag"] for s in sessions} >= {"real", "busywork", None}
        assert len({s["site"] for s in sessions}) >= 5
    finally:
        server.kill(sig=15)
    deadline = time.monotonic() + 10
    while os.path.exists(demo_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(demo_dir)


def test_days_and_hours_follow_daylight_saving_changes(tmp_path):
    # New York leaves summer time at 06:00 UTC on 2026-11-01: 01:00-02:00 local happens twice.
    server = start_server(tmp_path / "data", env={"TZ": "America/New_York"})
    try:
        sid = new_id()
        post(server, *[event(sid, "activity", datetime(2026, 11, 1, h, m, tzinfo=timezone.utc),
                             active_ms=ms)
                       for h, m, ms in ((3, 30, 1000), (5, 30, 2000), (6, 30, 4000),
                                        (13, 0, 8000))])

        def groups(group):
            r = requests.get(f"{server.url}/api/v1/stats", headers=server.headers(), timeout=5,
                             params={"from": "2026-10-31", "to": "2026-11-01", "group": group})
            return {g["key"]: g["untagged_seconds"] for g in r.json()["groups"]
                    if g["untagged_seconds"]}

        assert groups("day") == {"2026-10-31": 1, "2026-11-01": 14}
        assert groups("hour") == {"23": 1, "1": 6, "8": 8}
        assert groups("week") == {"2026-W44": 15}
    finally:
        server.kill()


def test_days_stay_in_the_journals_zone_until_the_user_changes_it(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, env={"TZ": "Asia/Kolkata"})  # the journal is made here
    # 20:00 UTC on the 9th is 01:30 on the 10th in India, 15:00 on the 9th in New York.
    nine_pm = datetime(2026, 11, 9, 20, 0, tzinfo=timezone.utc)
    post(server, event(new_id(), "activity", nine_pm, active_ms=60_000))

    def days(server):
        r = requests.get(f"{server.url}/api/v1/stats", headers=server.headers(), timeout=5,
                         params={"from": "2026-11-09", "to": "2026-11-10", "group": "day"})
        return {g["key"]: g["untagged_seconds"] for g in r.json()["groups"]}

    assert days(server) == {"2026-11-09": 0, "2026-11-10": 60}
    server.kill()
    server = start_server(data_dir, env={"TZ": "America/New_York"})  # the laptop moved
    try:
        assert days(server) == {"2026-11-09": 0, "2026-11-10": 60}  # the journal's zone still
        changed = requests.put(f"{server.url}/api/v1/settings/time-zone", timeout=10,
                               json={"time_zone": "America/New_York"}, headers=server.headers())
        assert changed.json() == {"time_zone": "America/New_York", "changed": True}
        assert days(server) == {"2026-11-09": 60, "2026-11-10": 0}
        post(server, event(new_id(), "activity", nine_pm, active_ms=30_000))
        assert days(server) == {"2026-11-09": 90, "2026-11-10": 0}
    finally:
        server.kill()


def test_written_events_reach_the_database_file_itself_soon(live_server, tmp_path):
    # The server copies its write-ahead log into candor.db in the background, so a
    # copy of that one file (a naive file sync, say) soon holds what was acknowledged.
    sid = new_id()
    events = [event(sid, "activity", active_ms=1000) for _ in range(50)]
    assert post(live_server, *events)["accepted"] == 50
    copy = tmp_path / "copy.db"
    deadline = time.monotonic() + 10
    while True:
        shutil.copyfile(live_server.data_dir / "candor.db", copy)
        with closing(sqlite3.connect(copy)) as db:  # no -wal file beside the copy
            try:
                stored = db.execute("SELECT count(*) FROM events").fetchone()[0]
            except sqlite3.OperationalError:  # not even the tables are in the file yet
                stored = 0
        if stored == 50 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert stored == 50
