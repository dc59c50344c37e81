"""One person, several machines: `candor export --for-merge`, `candor merge`, `candor merge-key`.

Two journals in two data folders (two machines), each a real SQLite file filled by Candor's
demo generator and changed through Candor's own functions at chosen times; exported,
merged and checked through the real `candor` command, each run in its own process, and
read back from the files and the real server.
"""

import hashlib
import hmac
import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timezone

import requests
from support import NAVIGATE, start_server

from candor import coach, config, demo, export, ingest, journal, merge
from candor.db import connect

HOUR = 3_600_000


def cli(*args, data_dir, stdin=None):
    """Run `candor` in its own process; the finished process (any exit code)."""
    return subprocess.run([sys.executable, "-m", "candor", *map(str, args)],
                          capture_output=True, text=True, timeout=120, input=stdin,
                          env={**os.environ, "CANDOR_DATA_DIR": str(data_dir), "TZ": "UTC"})


def ok(*args, data_dir, stdin=None):
    done = cli(*args, data_dir=data_dir, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def machine(data_dir, seed, days=4):
    """A machine's journal: `days` days of demo sessions in a real SQLite file."""
    db = connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    journal.set_time_zone(db, "Europe/Paris")
    demo.fill(db, days=days, seed=seed)
    return db


def snapshot(data_dir):
    """What the journal holds, read straight from its file: sessions (the machine each came
    from by id), events, time buckets, day totals, tag history, labels, forgotten markers."""
    conn = sqlite3.connect(f"file:{data_dir / 'candor.db'}?mode=ro", uri=True)
    try:
        own = conn.execute("SELECT value FROM meta WHERE key = 'machine_id'").fetchone()[0]
        columns = [c[1] for c in conn.execute("PRAGMA table_info(sessions)")
                   if c[1] not in ("signals", "rules_checked")]
        sessions = {}
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM sessions"):
            s = dict(zip(columns, row, strict=True))
            s["machine"] = s["machine"] or own
            sessions[s["id"]] = s

        def rows(sql):
            return sorted(conn.execute(sql).fetchall(), key=repr)

        return {
            "sessions": sessions,
            "events": rows("SELECT * FROM events"),
            "buckets": rows("SELECT * FROM session_buckets"),
            "days": rows("SELECT * FROM day_totals WHERE active_ms OR est_tokens OR sessions"),
            "tags": rows("SELECT session_id, old_tag, new_tag, at FROM tag_changes"),
            "labels": rows("SELECT * FROM session_labels"),
            "forgotten": rows("SELECT * FROM forgotten_sessions"),
            "coach_notes": rows("SELECT * FROM coach_notes"),
            "agents": rows("SELECT * FROM agent_requests"),
        }
    finally:
        conn.close()


def share_key(a_dir, b_dir):
    key = ok("merge-key", data_dir=a_dir).strip()
    assert ok("merge-key", "--set", key, data_dir=b_dir).startswith("The merge key is set")
    return key


def test_two_machines_merged_either_way_end_identical(tmp_path):
    a_dir, b_dir = tmp_path / "laptop", tmp_path / "desktop"
    a, b = machine(a_dir, seed=21), machine(b_dir, seed=22)
    demo.fill_agents(a, days=3, seed=23)
    key = share_key(a_dir, b_dir)
    a_sessions = {sid for (sid,) in a.conn.execute("SELECT id FROM sessions")}
    b_sessions = {sid for (sid,) in b.conn.execute("SELECT id FROM sessions")}
    assert a_sessions and b_sessions and not a_sessions & b_sessions

    # The desktop takes in the laptop's journal: every one of its sessions is new there.
    first = tmp_path / "laptop-1.json"
    ok("export", "--for-merge", "--machine", " Ada's  laptop ", "-o", first, data_dir=a_dir)
    assert key not in first.read_text()
    said = ok("merge", first, data_dir=b_dir)
    assert said.startswith(f"Merged {first} from Ada's laptop: ")
    assert f"{len(a_sessions)} new sessions, 0 updated tags, 0 updated notes, 0 forgotten" in said
    assert set(snapshot(b_dir)["sessions"]) == a_sessions | b_sessions

    # Then both go on: the same sessions changed on each, at different times.
    shared = sorted(a_sessions & {sid for (sid,) in a.conn.execute(
        "SELECT id FROM sessions WHERE kind = 'chat'")})
    now = int(datetime.now(timezone.utc).timestamp() * 1000)
    journal.change_session(a, shared[0], {"tag": "real", "note": "shipped it"}, now_ms=now)
    journal.change_session(b, shared[0], {"tag": "busywork", "note": "hm"}, now_ms=now - HOUR)
    journal.change_session(a, shared[1], {"note": "first thought", "labels": ["billing"]},
                           now_ms=now - 2 * HOUR)
    journal.change_session(b, shared[1], {"tag": "unsure", "note": "second thought",
                                          "labels": ["hiring"]}, now_ms=now - HOUR)
    # A coach's notes, sent back to each machine: on a week, and on sessions.
    coach.set_note(a, "session", shared[0], "Ask how this shipped.", coach="Grace",
                   now=now / 1000)
    coach.set_note(b, "session", shared[0], "Worth a look.", coach="Grace",
                   now=now / 1000 - 60)
    coach.set_note(b, "week", "2026-W48", "A focused week.", coach="Grace", now=now / 1000)
    coach.set_note(b, "session", shared[2], "On what the laptop forgets.", coach="Grace",
                   now=now / 1000)
    journal.forget_session(a, shared[2], now_ms=now)  # forgotten on the laptop
    b_own = sorted(b_sessions)[0]
    journal.forget_session(b, b_own, now_ms=now)  # and on the desktop, one of its own
    journal.forget_session(b, shared[4], now_ms=now - HOUR)  # and one of the laptop's
    later = shared[3]  # the laptop sees more of a session the desktop already has
    journal.change_session(a, later, {"outcome_url": "https://git.example/pr/7"}, now_ms=now)
    ended = a.conn.execute("SELECT ended_at FROM sessions WHERE id = ?", [later]).fetchone()[0]
    ingest.store_events(a, [{"id": "0193a000-0000-7000-8000-000000000001", "session_id": later,
                             "type": "activity", "ts": ended + 60_000, "site": "chatgpt",
                             "active_ms": 45_000}])
    a.close()
    b.close()

    # Each exports, then each merges the other's file.
    from_a, from_b = tmp_path / "laptop-2.json", tmp_path / "desktop-2.json"
    ok("export", "--for-merge", "-o", from_a, data_dir=a_dir)
    ok("export", "--for-merge", "-o", from_b, data_dir=b_dir)
    said_b = ok("merge", from_a, data_dir=b_dir)
    said_a = ok("merge", from_b, data_dir=a_dir)
    assert "0 new sessions, 1 updated tag, 1 updated note, 1 forgotten" in said_b, said_b
    assert f"{len(b_sessions) - 1} new sessions, 1 updated tag, 1 updated note, 1 forgotten" \
        in said_a, said_a
    a_now, b_now = snapshot(a_dir), snapshot(b_dir)
    assert a_now == b_now
    s = a_now["sessions"]
    assert s[shared[0]]["tag"] == "real" and s[shared[0]]["note"] == "shipped it"
    assert s[shared[1]]["tag"] == "unsure" and s[shared[1]]["note"] == "second thought"
    assert (shared[1], "hiring") in a_now["labels"]
    assert (shared[1], "billing") not in a_now["labels"]
    assert not {shared[2], shared[4], b_own} & set(s)
    assert {shared[2], shared[4], b_own} <= {f[0] for f in a_now["forgotten"]}
    assert not [e for e in a_now["events"] if e[1] in (shared[2], shared[4], b_own)]
    assert s[later]["outcome_url"] == "https://git.example/pr/7"
    assert s[later]["active_ms"] > 0 and any(e[0] == "0193a000-0000-7000-8000-000000000001"
                                             for e in b_now["events"])
    assert a_now["agents"], "the laptop's agent sessions came along"
    assert {n[1:4] for n in a_now["coach_notes"]} == {
        ("session", shared[0], "Ask how this shipped."), ("week", "2026-W48", "A focused week.")}

    # Merging again, either file, either way: nothing changes, and it says so.
    for data_dir, file in ((b_dir, from_a), (a_dir, from_b), (a_dir, from_b)):
        said = ok("merge", file, data_dir=data_dir)
        assert "0 new sessions, 0 updated tags, 0 updated notes, 0 forgotten" in said, said
    again = tmp_path / "laptop-3.json"
    ok("export", "--for-merge", "-o", again, data_dir=a_dir)
    assert "0 new sessions, 0 updated tags, 0 updated notes, 0 forgotten" in ok(
        "merge", again, data_dir=b_dir)
    assert snapshot(a_dir) == snapshot(b_dir) == a_now
    assert "this machine's own journal" in ok("merge", again, data_dir=a_dir)

    # Two more machines take in both files, in either order: the same journal.
    c_dir, d_dir = tmp_path / "tablet", tmp_path / "server"
    for data_dir, files in ((c_dir, (from_a, from_b)), (d_dir, (from_b, from_a, from_b))):
        ok("merge-key", "--set", key, data_dir=data_dir)
        for file in files:
            ok("merge", file, data_dir=data_dir)
    c_now = snapshot(c_dir)
    assert c_now == snapshot(d_dir)
    assert c_now["sessions"].keys() == s.keys() and c_now["tags"] == a_now["tags"]

    # The merged sessions count as the desktop's own: in stats, the API, exports.
    assert ok("stats", "--group", "week", data_dir=a_dir) == ok("stats", "--group", "week",
                                                                 data_dir=b_dir)
    coach_copy = json.loads(ok("export", "-o", "-", "--redact", "none", data_dir=b_dir))
    assert {r["id"] for r in coach_copy["sessions"]} == set(s)
    laptop_id = json.loads(from_a.read_text())["machine"]["id"]
    server = start_server(b_dir)
    try:
        one = requests.get(f"{server.url}/api/v1/sessions/{shared[0]}", timeout=10,
                           headers=server.headers())
        assert one.ok and one.json()["machine"] == {"id": laptop_id, "name": "Ada's laptop",
                                                    "this": False}
        assert one.json()["machine"]["this"] is False and one.json()["tag"] == "real"
        own = requests.get(f"{server.url}/api/v1/sessions/{sorted(b_sessions)[1]}",
                           timeout=10, headers=server.headers()).json()
        assert own["machine"]["this"] is True
        week = requests.get(f"{server.url}/api/v1/stats", timeout=10,
                            headers=server.headers()).json()
        assert week["sessions"] == len(s)
        page = requests.Session()
        page.get(server.login_link(), headers=NAVIGATE, timeout=10)
        html = page.get(f"{server.url}/sessions/{shared[0]}",
                        headers=NAVIGATE, timeout=10).text
        assert "From your machine <strong>Ada&#39;s laptop</strong>" in html
        own_html = page.get(f"{server.url}/sessions/{sorted(b_sessions)[1]}",
                            headers=NAVIGATE, timeout=10).text
        assert "From your machine" not in own_html
        untagged = {sid for sid, one in s.items() if one["tag"] is None
                    and one["machine"] == laptop_id}
        assert untagged, "some of the laptop's sessions wait for a verdict"
        review = page.get(f"{server.url}/review", headers=NAVIGATE, timeout=10).text
        assert any(f'data-id="{sid}"' in review for sid in untagged)
        listed = page.get(f"{server.url}/sessions", headers=NAVIGATE, timeout=10).text
        row = listed[listed.index(f'data-id="{shared[0]}"'):]
        assert 'class="muted machine">from ' in row[:row.index("</li>")]
    finally:
        server.kill()


def _rechain(data):
    """Recompute a merge file's hash chain after an edit, as someone planting it would."""
    def link(previous, value):
        return hashlib.sha256(previous.encode() + export.canonical(value)).hexdigest()
    header = {k: v for k, v in data.items() if k not in ("sessions", "integrity", "signature")}
    chain = first = link("candor-merge/1", header)
    for record in data["sessions"]:
        chain = record["chain"] = link(chain, {k: v for k, v in record.items() if k != "chain"})
    data["integrity"].update(header=first, head=chain)
    return data


def test_a_file_not_signed_with_the_shared_key_or_changed_since_is_refused(tmp_path):
    a_dir, b_dir, c_dir = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "stranger"
    machine(a_dir, seed=31, days=2).close()
    machine(b_dir, seed=32, days=2).close()
    machine(c_dir, seed=33, days=2).close()
    good = tmp_path / "good.json"

    # No key here yet: refused, saying how to set one.
    ok("export", "--for-merge", "-o", good, data_dir=a_dir)
    before = snapshot(b_dir)
    done = cli("merge", good, data_dir=b_dir)
    assert done.returncode == 1 and "no merge key yet" in done.stderr, done.stderr
    key = share_key(a_dir, b_dir)
    key_file = b_dir / "merge-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == key
    assert "already is" in ok("merge-key", "--set", "-", data_dir=b_dir, stdin=key + "\n")
    bad_key = cli("merge-key", "--set", "not a key", data_dir=b_dir)
    assert bad_key.returncode == 2 and "not a merge key" in bad_key.stderr
    assert key_file.read_text().strip() == key

    data = json.loads(good.read_text())
    victim = data["sessions"][0]
    planted = json.loads(json.dumps(data))
    planted["sessions"][0]["tag"] = "real" if victim["tag"] != "real" else "busywork"
    planted["sessions"][0]["tag_at"] = 2**40
    _rechain(planted)
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    # Signed with the right key, yet not as Candor writes them: an event's time as text.
    odd = json.loads(json.dumps(data))
    chat = next(r for r in odd["sessions"] if r["events"])
    chat["events"][0][3] = "yesterday"
    _rechain(odd)
    odd["signature"]["value"] = hmac.new(
        key.encode(), b"candor-merge/1\n" + export.canonical(
            {k: v for k, v in odd.items() if k != "signature"}), "sha256").hexdigest()
    stranger = tmp_path / "stranger.json"
    ok("export", "--for-merge", "-o", stranger, data_dir=c_dir)  # its own, other key
    c_key = ok("merge-key", data_dir=c_dir).strip()
    assert c_key != key and c_key not in stranger.read_text()
    journal_for_coach = tmp_path / "coach.json"
    ok("export", "-o", journal_for_coach, data_dir=a_dir)
    cases = {
        "changed after it was signed": json.dumps(planted),
        "not signed": json.dumps(unsigned),
        "does not match": stranger.read_text(),
        "candor import": journal_for_coach.read_text(),
        "not JSON": "{ nope",
        "malformed": json.dumps(odd),
    }
    before = snapshot(b_dir)
    for expected, text in cases.items():
        file = tmp_path / "try.json"
        file.write_text(text)
        done = cli("merge", file, data_dir=b_dir)
        assert done.returncode == 1, (expected, done.stdout)
        assert "refused, nothing merged" in done.stderr and expected in done.stderr, \
            (expected, done.stderr)
        assert "Traceback" not in done.stderr
        assert snapshot(b_dir) == before

    # Once the stranger's machine takes the shared key, its old files no longer merge.
    assert "It replaced another" in ok("merge-key", "--set", key, data_dir=c_dir)
    assert "does not match" in cli("merge", stranger, data_dir=c_dir).stderr

    # The same file as signed merges.
    assert "new sessions" in ok("merge", good, data_dir=b_dir)
    assert snapshot(b_dir) != before


def test_export_for_merge_takes_no_coach_options_and_pipes(tmp_path):
    a_dir = tmp_path / "laptop"
    machine(a_dir, seed=41, days=1).close()
    done = cli("export", "--for-merge", "-o", "-", "--redact", "notes", data_dir=a_dir)
    assert done.returncode == 2 and "leave out --redact" in done.stderr
    done = cli("export", "-o", "-", "--machine", "laptop", data_dir=a_dir)
    assert done.returncode == 2 and "with --for-merge" in done.stderr
    done = cli("export", "--for-merge", "-o", "-", "--machine", "a\x07b", data_dir=a_dir)
    assert done.returncode == 2 and "No control characters" in done.stderr
    piped = cli("export", "--for-merge", "-o", "-", data_dir=a_dir)
    assert piped.returncode == 0 and json.loads(piped.stdout)["format"] == "candor-merge"
    assert "signed with the merge key" in piped.stderr
    key = (a_dir / "merge-key").read_text().strip()
    assert key not in piped.stdout and key not in piped.stderr
    b_dir = tmp_path / "desktop"
    machine(b_dir, seed=42, days=1).close()
    share_key(a_dir, b_dir)
    said = ok("merge", "-", data_dir=b_dir, stdin=piped.stdout)
    sent = json.loads(piped.stdout)
    assert said.startswith(f"Merged standard input from {sent['machine']['name']}: "
                           f"{len(sent['sessions'])} new sessions"), said


def test_a_merge_file_carries_every_column_of_an_event():
    assert set(merge.EVENT_COLUMNS) == set(ingest.EVENT_COLUMNS), \
        "an event column the merge file does not carry: add it to merge.EVENT_COLUMNS"
