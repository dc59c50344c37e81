"""Labels and rules in the JSON journal: recorded (a rule's pattern left out with what it
matches), chained, valid by the schema, and kept by a coach's import; the CSV has them too."""

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner
from support import NAVIGATE

from candor import coach, config, demo, export, journal, journal_file, labels, rules
from candor.cli import main
from candor.db import connect

SCHEMA = json.loads((Path(export.__file__).parent / "journal.schema.json").read_text())


def labelled_journal(tmp_path):
    data_dir = tmp_path / "data"
    db = connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    demo.fill(db, days=14)
    first, second = (row[0] for row in db.conn.execute(
        "SELECT id FROM sessions ORDER BY started_at DESC LIMIT 2"))
    journal.change_session(db, first, {"labels": ["acme", "hiring"]})
    journal.change_session(db, second, {"labels": ["acme"]})
    rules.add_rule(db, {"field": "site", "match": "glob", "pattern": "claude",
                        "action": "label", "value": "anthropic"})
    rules.add_rule(db, {"field": "title", "match": "regex", "pattern": "(?i)migration",
                        "action": "suggest", "value": "real"})
    rules.apply_to_past(db)
    return db, data_dir, first


def export_json(data_dir, tmp_path, *args):
    path = tmp_path / "journal.json"
    result = CliRunner().invoke(main, ["export", "-o", str(path), *args],
                                env={"CANDOR_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    return path, json.loads(path.read_text())


def test_the_json_journal_holds_labels_and_rules_and_still_verifies(tmp_path):
    db, data_dir, first = labelled_journal(tmp_path)
    try:
        kept = {s["id"]: s["labels"] for s in journal.list_sessions(db, limit=500)[0]}
        matched = [r["matched"] for r in rules.list_rules(db)]
    finally:
        db.close()
    path, data = export_json(data_dir, tmp_path, "--redact", "none")
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert journal_file.problem(data) is None
    verified = CliRunner().invoke(main, ["verify", str(path)])
    assert verified.exit_code == 0, verified.output
    assert {r["id"]: r["labels"] for r in data["sessions"]} == kept
    assert next(r for r in data["sessions"] if r["id"] == first)["labels"] == ["acme", "hiring"]
    assert any("anthropic" in r["labels"] for r in data["sessions"])
    assert data["rules"] == [
        {"field": "site", "match": "glob", "pattern": "claude", "action": "label",
         "value": "anthropic", "matched": matched[0]},
        {"field": "title", "match": "regex", "pattern": "(?i)migration", "action": "suggest",
         "value": "real", "matched": matched[1]}]
    assert matched[0] > 0 and matched[1] > 0
    # The rules are chained with the header: changed, the journal no longer verifies.
    data["rules"][0]["value"] = "someone else"
    assert export.verify(data) == (False, "the header or summary was changed after export")


def test_a_rules_pattern_is_left_out_with_what_it_matches(tmp_path):
    db, data_dir, _ = labelled_journal(tmp_path)
    db.close()
    _, data = export_json(data_dir, tmp_path)  # titles and notes left out by default
    assert [r["pattern"] for r in data["rules"]] == ["claude", None]
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())


def test_a_coach_imports_the_labels(tmp_path):
    db, data_dir, first = labelled_journal(tmp_path)
    db.close()
    path, data = export_json(data_dir, tmp_path)
    coach_dir = tmp_path / "coach"
    cdb = connect(str(config.data_dir(str(coach_dir)) / "candor.db"))
    try:
        coach.import_journal(cdb, str(coach_dir), path.read_bytes(), data, name="ada")
        jdb = coach.open_journal(cdb, str(coach_dir), "ada")
        try:
            assert journal.get_session(jdb, first)["labels"] == ["acme", "hiring"]
            assert {s["id"] for s in journal.list_sessions(jdb, label="acme")[0]} == {
                r["id"] for r in data["sessions"] if "acme" in r["labels"]}
            assert labels.all_labels(jdb)[0]["label"] in ("anthropic", "acme")
        finally:
            jdb.close()
    finally:
        cdb.close()


def test_the_csv_has_a_labels_column(tmp_path):
    db, data_dir, first = labelled_journal(tmp_path)
    db.close()
    path = tmp_path / "journal.csv"
    result = CliRunner().invoke(main, ["export", "--format", "csv", "-o", str(path)],
                                env={"CANDOR_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    rows = path.read_text().splitlines()
    header = rows[1].split(",")
    line = next(r for r in rows if r.startswith(first))
    assert header[-1] == "labels" and line.endswith(",acme;hiring")


def test_candor_stats_groups_by_label(tmp_path):
    db, data_dir, _ = labelled_journal(tmp_path)
    db.close()
    result = CliRunner().invoke(main, ["stats", "--group", "label"],
                                env={"CANDOR_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    keys = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert {"acme", "hiring", "anthropic", "(none)", "total"} <= set(keys)


def test_a_coach_sees_the_labels_on_the_imported_journals_pages(tmp_path, app, db, dashboard):
    worker_db, data_dir, first = labelled_journal(tmp_path)
    worker_db.close()
    path, data = export_json(data_dir, tmp_path)
    coach.import_journal(db, app.config["DATA_DIR"], path.read_bytes(), data, name="ada")
    page = dashboard.get("/journals/ada/sessions", headers=NAVIGATE)
    assert page.status_code == 200
    assert '<ul class="labels" aria-label="Labels"><li>acme</li><li>hiring</li></ul>' in page.text
    one = dashboard.get(f"/journals/ada/sessions/{first}", headers=NAVIGATE).text
    assert "<li>acme</li><li>hiring</li>" in one
