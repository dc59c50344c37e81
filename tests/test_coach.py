"""The coach's side: import journals, review them side by side, read-only."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from candor import coach, config, create_app, demo, export, report, security
from candor.cli import main
from candor.db import connect


def make_journal(tmp_path, owner, seed, days=21):
    """A worker's journal, exported to a file: (path, the worker's own stats)."""
    db = connect(str(config.data_dir(str(tmp_path / f"worker-{owner}")) / "candor.db"))
    demo.fill(db, days=days, seed=seed)
    data = export.build(db, owner=owner)
    stats = report.stats(db)
    db.close()
    path = tmp_path / f"{owner}.json"
    path.write_text(json.dumps(data))
    return path, stats


@pytest.fixture
def run(tmp_path):
    data_dir = tmp_path / "coach"

    def run(*args):
        return CliRunner().invoke(main, list(args), env={"CANDOR_DATA_DIR": str(data_dir)})

    run.data_dir = data_dir
    return run


def test_export_verify_import_gives_the_same_numbers(run, tmp_path):
    path, worker = make_journal(tmp_path, "Ada Lovelace", seed=1)
    assert run("verify", str(path)).exit_code == 0
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "as 'ada-lovelace'" in result.output
    db = connect(str(run.data_dir / "candor.db"))
    [row] = coach.side_by_side(db, run.data_dir)
    assert row["owner"] == "Ada Lovelace" and row["verified"]
    assert row["value_ratio"] == pytest.approx(worker["value_ratio"])
    assert row["coverage"] == pytest.approx(worker["coverage"])
    active = sum(worker[f"{t}_seconds"] for t in ("real", "busywork", "unsure", "untagged"))
    assert row["active_seconds"] == pytest.approx(active)
    assert row["sessions"] == worker["sessions"]
    jdb = coach.open_journal(db, run.data_dir, "ada-lovelace")
    assert report.stats(jdb)["real_seconds"] == pytest.approx(worker["real_seconds"])
    jdb.close()
    db.close()


def test_importing_the_same_file_twice_is_a_no_op(run, tmp_path):
    path, _ = make_journal(tmp_path, "Grace", seed=2)
    assert run("import", str(path)).exit_code == 0
    again = run("import", str(path))
    assert again.exit_code == 0 and "already imported as 'grace'" in again.output
    db = connect(str(run.data_dir / "candor.db"))
    assert len(coach.journals(db)) == 1
    db.close()


def test_a_tampered_file_is_refused_unless_forced_then_marked(run, tmp_path):
    path, _ = make_journal(tmp_path, "Mallory", seed=3)
    data = json.loads(path.read_text())
    data["sessions"][0]["tag"] = "real" if data["sessions"][0]["tag"] != "real" else "busywork"
    path.write_text(json.dumps(data))
    refused = run("import", str(path))
    assert refused.exit_code == 1 and "record 1" in refused.output and "--force" in refused.output
    forced = run("import", str(path), "--force")
    assert forced.exit_code == 0 and "UNVERIFIED" in forced.output
    db = connect(str(run.data_dir / "candor.db"))
    assert coach.side_by_side(db, run.data_dir)[0]["verified"] is False
    db.close()


def test_a_second_journal_with_the_same_owner_needs_a_name(run, tmp_path):
    first, _ = make_journal(tmp_path, "Sam", seed=4)
    (tmp_path / "other").mkdir()
    second, _ = make_journal(tmp_path / "other", "Sam", seed=5)
    assert run("import", str(first)).exit_code == 0
    clash = run("import", str(second))
    assert clash.exit_code == 1 and "--name" in clash.output
    assert run("import", str(second), "--name", "sam-2026").exit_code == 0


def test_not_a_journal_is_refused(run, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"hello": 1}')
    result = run("import", str(path))
    assert result.exit_code == 1 and "not a Candor journal" in result.output


def test_the_journals_api_and_pages(app, client, tmp_path):
    data_dir = app.config["DATA_DIR"]
    with app.app_context():
        from candor.db import get_db
        for owner, seed in (("Ada", 1), ("Grace", 2)):
            path, _ = make_journal(tmp_path, owner, seed)
            coach.import_file(get_db(), data_dir, path)
    listed = client.get("/api/v1/journals").json["journals"]
    assert [j["name"] for j in listed] == ["ada", "grace"]
    assert set(listed[0]) == {"name", "owner", "verified", "covered", "exported_at",
                              "time_zone", "value_ratio", "coverage", "active_seconds",
                              "sessions", "signals"}
    stats = client.get("/api/v1/journals/ada/stats", query_string={"group": "week"}).json
    assert stats["groups"] and stats["value_ratio"] == pytest.approx(listed[0]["value_ratio"])
    assert client.get("/api/v1/journals/nobody/stats").status_code == 404
    page = client.get("/journals").get_data(as_text=True)
    assert "Ada" in page and "Grace" in page
    overview = client.get("/journals/ada").get_data(as_text=True)
    assert "Journal of <strong>Ada</strong>, imported, read-only" in overview
    sessions = client.get("/journals/ada/sessions").get_data(as_text=True)
    first = sessions.split('/journals/ada/sessions/')[1].split('"')[0]
    detail = client.get(f"/journals/ada/sessions/{first}").get_data(as_text=True)
    assert "Forget this session" not in detail and "exports carry each session" in detail


def test_a_coachs_notes_travel_back_to_the_worker(app, client, run, tmp_path):
    # The worker's journal, exported; the coach (this app) imports it and writes notes.
    worker_dir = tmp_path / "worker-Ada"
    path, _ = make_journal(tmp_path, "Ada", seed=1)
    with app.app_context():
        from candor.db import get_db
        coach.import_file(get_db(), app.config["DATA_DIR"], path)
    session_id = json.loads(path.read_text())["sessions"][3]["id"]
    week = client.get("/api/v1/journals/ada/stats", query_string={"group": "week"}).json[
        "groups"][-1]["key"]
    for kind, key, note in (("session", session_id, "Good use: the fix shipped."),
                            ("week", week, "Fewer rewrites than last week."),
                            ("week", "2020-W01", "")):
        r = client.put("/api/v1/journals/ada/notes", json={"kind": kind, "key": key,
                                                          "note": note})
        assert r.status_code == 200
    assert len(r.json["notes"]) == 2
    assert client.put("/api/v1/journals/ada/notes", json={"kind": "month", "key": "x",
                                                         "note": "n"}).status_code == 422
    page = client.get(f"/journals/ada/sessions/{session_id}").get_data(as_text=True)
    assert "Good use: the fix shipped." in page

    # The coach sends the notes; the worker imports them and sees them beside their sessions.
    notes_file = tmp_path / "notes.json"
    result = CliRunner().invoke(main, ["export-notes", "ada", "-o", str(notes_file), "--coach",
                                       "Grace"], env={"CANDOR_DATA_DIR": app.config["DATA_DIR"]})
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["import", str(notes_file)],
                                env={"CANDOR_DATA_DIR": str(worker_dir)})
    assert result.exit_code == 0 and "Kept 2 notes from Grace" in result.output
    worker = create_app({"DATA_DIR": str(worker_dir), "PORT": 5765})
    web = worker.test_client()
    headers = {"Host": "127.0.0.1:5765",
               "Authorization": f"Bearer {security.read_token(str(worker_dir))}"}
    page = web.get(f"/sessions/{session_id}", headers=headers).get_data(as_text=True)
    assert "From your coach" in page and "Good use: the fix shipped." in page
    assert "— Grace" in page


# --- a journal whose chain is intact but whose records are malformed --------------------

def rechain(data):
    """Recompute a journal's hash chain, as one editing it by hand (or a buggy exporter) would."""
    link = header = export._link(export._CHAIN_SEED, {k: data[k] for k in export.HEADER_FIELDS})
    for record in data["sessions"]:
        link = export._link(link, {k: v for k, v in record.items() if k != "chain"})
        record["chain"] = link
    data["integrity"].update(header=header, records=len(data["sessions"]), head=link)
    return data


def _with_history(data):
    return next(i for i, r in enumerate(data["sessions"]) if r["tag_history"])


MALFORMED = [  # (name, change to the parsed journal, what the message must name)
    ("missing key", lambda d: d["sessions"][1].pop("ended_at"), ("record 2", "'ended_at'")),
    ("count as text", lambda d: d["sessions"][0].update(prompts="3"), ("record 1", "'prompts'")),
    ("boolean count", lambda d: d["sessions"][2].update(copies=True), ("record 3", "'copies'")),
    ("bad date", lambda d: d["sessions"][0].update(started_at="yesterday"),
     ("record 1", "'started_at'")),
    ("date without a zone", lambda d: d["sessions"][0].update(ended_at="2026-11-20T09:00:00"),
     ("record 1", "'ended_at'")),
    ("bad tag", lambda d: d["sessions"][0].update(tag="great"), ("record 1", "'tag'")),
    ("bad time in the tag history",
     lambda d: d["sessions"][_with_history(d)]["tag_history"][0].update(at="soon"),
     ("'tag_history[0].at'",)),
    ("unknown signal", lambda d: d["sessions"][0].update(signals=[{"name": "x", "reason": ""}]),
     ("record 1", "'signals[0].name'")),
    ("nan seconds", lambda d: d["sessions"][0].update(active_seconds=float("nan")),
     ("record 1", "'active_seconds'")),
    ("list for a title", lambda d: d["sessions"][0].update(title=["x"]), ("record 1", "'title'")),
    ("owner not text", lambda d: d.update(owner=42), ("header", "'owner'")),
    ("range not an object", lambda d: d.update(range="2026"), ("header", "'range'")),
    ("bad range date", lambda d: d["range"].update({"from": "2026-13-01"}),
     ("header", "'range.from'")),
]


@pytest.mark.parametrize("change,named", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("force", [False, True], ids=["", "forced"])
def test_a_malformed_journal_with_an_intact_chain_is_refused_whole(run, tmp_path, change, named,
                                                                    force):
    path, _ = make_journal(tmp_path, "Ada", seed=6, days=10)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(rechain(data)))
    assert export.verify(json.loads(path.read_text()))[0], "the chain must be intact"
    result = run("import", str(path), *(["--force"] if force else []))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "malformed journal" in result.output and "nothing was imported" in result.output
    for part in named:
        assert part in result.output, (part, result.output)
    # Nothing half-imported: no journals row, no journal file.
    db = connect(str(run.data_dir / "candor.db"))
    assert coach.journals(db) == []
    db.close()
    assert list((run.data_dir / "journals").glob("*")) == []


def test_the_record_checks_agree_with_the_published_json_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from candor import journal_file

    schema = json.loads((Path(journal_file.__file__).parent / "journal.schema.json").read_text())
    checker = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    path, _ = make_journal(tmp_path, "Ada", seed=6, days=10)
    good = json.loads(path.read_text())
    assert journal_file.problem(good) is None
    checker.validate(good)
    # jsonschema checks date-time only with rfc3339-validator installed.
    dates = "date-time" in checker.format_checker.checkers
    for name, change, _ in MALFORMED:
        data = json.loads(path.read_text())
        change(data)
        assert journal_file.problem(rechain(data)), name
        if name == "nan seconds" or not dates and name in (
                "bad date", "date without a zone", "bad time in the tag history"):
            continue  # NaN is not JSON at all, for the JSON schema
        assert not checker.is_valid(data), name


def test_a_coach_notes_file_with_a_bad_time_is_refused_without_a_traceback(run, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"format": coach.NOTES_FORMAT, "version": 1, "coach": "Grace",
                                "notes": [{"kind": "week", "key": "2026-W45", "note": "Calm",
                                           "at": "2026-11-20T09:00:00Z"},
                                          {"kind": "week", "key": "2026-W46", "note": "Busy",
                                           "at": "soon"}]}))
    result = run("import", str(path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "'at' is not a date-time" in result.output
    db = connect(str(run.data_dir / "candor.db"))
    assert coach.notes(db) == []  # not the first note either
    db.close()


def test_an_imported_journal_says_how_its_tokens_were_counted(app, client, tmp_path):
    path, _ = make_journal(tmp_path, "Ada", seed=1)
    records = json.loads(path.read_text())["sessions"]
    older = json.loads(path.read_text())
    older["owner"] = "Grace"
    link = older["integrity"]["header"] = export._link(
        export._CHAIN_SEED, {k: older[k] for k in export.HEADER_FIELDS})
    for record in older["sessions"]:  # as a journal exported before the field existed
        del record["tokenizer"], record["chain"]
        link = record["chain"] = export._link(link, record)
    older["integrity"]["head"] = link
    older_path = tmp_path / "older.json"
    older_path.write_text(json.dumps(older))
    with app.app_context():
        from candor.db import get_db
        coach.import_file(get_db(), app.config["DATA_DIR"], path)
        assert coach.import_file(get_db(), app.config["DATA_DIR"], older_path)[1]  # verified
    said = {"o200k": "tokens counted with o200k", "chars/4": "estimated (characters ÷ 4)"}
    for tokenizer, words in said.items():
        sid = next(r["id"] for r in records if r["tokenizer"] == tokenizer)
        assert words in client.get(f"/journals/ada/sessions/{sid}").get_data(as_text=True)
        page = client.get(f"/journals/grace/sessions/{sid}").get_data(as_text=True)
        assert not any(w in page for w in said.values())
