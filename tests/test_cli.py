"""The `candor` command: token, backup and stats, run as a user would."""

import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner

from candor import config, demo, report, security
from candor.cli import main
from candor.db import connect
from candor.words import duration


@pytest.fixture
def run(tmp_path):
    data_dir = tmp_path / "data"

    def run(*args):
        return CliRunner().invoke(main, list(args), env={"CANDOR_DATA_DIR": str(data_dir)},
                                  catch_exceptions=False)

    run.data_dir = data_dir
    run.journal = lambda: connect(str(config.data_dir(str(data_dir)) / "candor.db"))
    return run


def test_token_prints_the_token_alone_and_rotates(run):
    first = run("token")
    assert first.exit_code == 0
    token = first.output.strip()
    assert first.output == token + "\n" and len(token) >= 43
    assert run("token").output.strip() == token
    rotated = run("token", "--rotate").output.strip()
    assert rotated != token
    assert run("token").output.strip() == rotated
    mode = os.stat(security.token_path(run.data_dir)).st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_backup_writes_a_consistent_copy(run, tmp_path):
    db = run.journal()
    counts = demo.fill(db, days=5)
    target = tmp_path / "copy.db"
    result = run("backup", str(target))
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT count(*) FROM sessions").fetchone()[0] == counts["sessions"]
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.db")] == []
    db.close()


def test_backup_to_a_missing_folder_fails_cleanly(run, tmp_path):
    result = run("backup", str(tmp_path / "nowhere" / "copy.db"))
    assert result.exit_code != 0
    assert "No such folder" in result.output


def test_stats_prints_the_same_numbers_as_the_api(run):
    db = run.journal()
    demo.fill(db, days=10)
    s = report.stats(db)
    db.close()
    out = run("stats").output.splitlines()
    # Columns: durations as the dashboard shows them (2 h 44 min), never "164m".
    cells = [cell.strip() for cell in (out[-1][:12], out[-1][12:26], out[-1][26:40],
                                       out[-1][40:54], out[-1][54:68], out[-1][68:81],
                                       out[-1][81:])]
    assert cells == ["total", duration(s["real_seconds"]), duration(s["busywork_seconds"]),
                     duration(s["unsure_seconds"]), duration(s["untagged_seconds"]),
                     f"{s['value_ratio']:.0%}", f"{s['coverage']:.0%}"]
    assert " h " in out[-1] and " min" in out[-1]  # ten days of demo sessions: hours
    assert out[1].split() == ["real", "busywork", "unsure", "untagged", "value", "ratio",
                              "coverage"]


def test_stats_by_week_prints_a_row_per_week(run):
    db = run.journal()
    demo.fill(db, days=15)
    weeks = report.stats(db, group="week")["groups"]
    db.close()
    out = run("stats", "--group", "week").output.splitlines()
    assert out[0].startswith("Days and hours in ")  # the journal's time zone, named
    assert [line.split()[0] for line in out[2:]] == [w["key"] for w in weeks] + ["total"]
    assert out[2].split()[-2] == ("-" if weeks[0]["value_ratio"] is None
                                  else f"{weeks[0]['value_ratio']:.0%}")


def test_stats_refuses_an_inverted_range(run):
    result = run("stats", "--from", "2026-11-10", "--to", "2026-11-01")
    assert result.exit_code == 2
    assert "--to" in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(command):
    assert main.commands[command].help, command
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    assert f"candor {command}" in readme, command


def test_time_zone_prints_and_changes_the_journals_zone(run):
    run("token")  # makes the data dir
    journal = run.journal()
    journal.close()
    assert run("time-zone", "Asia/Kolkata").output.startswith(
        "The journal's time zone is now Asia/Kolkata")
    assert run("time-zone").output == "Asia/Kolkata\n"
    assert "already is Asia/Kolkata" in run("time-zone", "Asia/Kolkata").output
    refused = CliRunner().invoke(main, ["time-zone", "Mars/Olympus"],
                                 env={"CANDOR_DATA_DIR": str(run.data_dir)})
    assert refused.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in refused.output
    assert run("time-zone").output == "Asia/Kolkata\n"
