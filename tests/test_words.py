"""Numbers in words: the one duration format and counts with their noun, in Python and in the
extension's JavaScript (which must round the same way)."""

import json
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import NAVIGATE, batch, event, new_id

from candor.cli import main
from candor.words import duration, plural

ROOT = Path(__file__).resolve().parents[1]
FORMAT_JS = ROOT / "extension" / "ui" / "format.js"  # the popup's and options page's
WORDS_JS = ROOT / "server" / "candor" / "web" / "static" / "words.js"  # the dashboard's scripts'

DURATIONS = [
    (None, "0 s"), (0, "0 s"), (-3, "0 s"), (0.4, "0 s"), (0.5, "1 s"), (30, "30 s"),
    (44, "44 s"), (59.4, "59 s"), (59.6, "1 min"), (89, "1 min"), (90, "2 min"),
    (150, "3 min"), (600, "10 min"), (2700, "45 min"), (3569, "59 min"), (3570, "1 h 00 min"),
    (3599, "1 h 00 min"), (3900, "1 h 05 min"), (9840, "2 h 44 min"), (36_000, "10 h 00 min"),
    (360_000, "100 h 00 min"),
]

COUNTS = [
    (0, "prompt", None, "0 prompts"), (1, "prompt", None, "1 prompt"),
    (2, "prompt", None, "2 prompts"), (1, "day", None, "1 day"), (14, "day", None, "14 days"),
    (1, "session", None, "1 session"), (1204, "event", None, "1,204 events"),
    (1, "copy", None, "1 copy"), (3, "copy", None, "3 copies"),
    (2, "tool call", None, "2 tool calls"), (None, "answer", None, "0 answers"),
    (2, "person", "people", "2 people"),
]


@pytest.mark.parametrize("seconds, shown", DURATIONS)
def test_one_duration_format(seconds, shown):
    assert duration(seconds) == shown


@pytest.mark.parametrize("count, noun, many, shown", COUNTS)
def test_a_count_takes_its_nouns_number(count, noun, many, shown):
    assert plural(count, noun, many) == shown


def _in_node(code):
    done = subprocess.run(["node", "--input-type=module", "-e", code], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_extension_formats_as_the_dashboard_does():
    seconds = [s for s, _ in DURATIONS]
    counts = [[c, n, m] for c, n, m, _ in COUNTS]
    shown = _in_node(
        f'import {{ duration, plural }} from "{FORMAT_JS.as_uri()}";'
        f"const seconds = {json.dumps(seconds)}; const counts = {json.dumps(counts)};"
        "process.stdout.write(JSON.stringify({durations: seconds.map((s) => duration(s)),"
        " counts: counts.map(([c, n, m]) => plural(c, n, m ?? undefined))}));")
    assert shown["durations"] == [text for _, text in DURATIONS]
    assert shown["counts"] == [text for *_, text in COUNTS]


def test_the_dashboards_scripts_count_as_the_pages_do():
    counts = [[c, n, m] for c, n, m, _ in COUNTS]
    shown = _in_node(
        f'import {{ plural }} from "{WORDS_JS.as_uri()}";'
        f"const counts = {json.dumps(counts)};"
        "process.stdout.write(JSON.stringify("
        "counts.map(([c, n, m]) => plural(c, n, m ?? undefined))));")
    assert shown == [text for *_, text in COUNTS]


def test_the_dashboard_the_report_and_the_cli_say_the_same(client, dashboard, app, tmp_path):
    """A session of 2 h 44 min with one prompt and one answer, as each door prints it."""
    sid = new_id()
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=4)
    sent = [event(sid, "session_start", start, title="Plan the quarter"),
            event(sid, "prompt", start + timedelta(seconds=5), prompt_chars=1, est_tokens=1),
            event(sid, "response", start + timedelta(seconds=9), response_chars=1204,
                  est_tokens=300)]
    # 164 minutes of activity, sent a minute at a time as the extension does.
    sent += [event(sid, "activity", start + timedelta(minutes=m + 1), active_ms=60_000)
             for m in range(164)]
    assert client.post("/api/v1/events", json=batch(*sent)).json["accepted"] == len(sent)

    listed = dashboard.get("/sessions", headers=NAVIGATE).get_data(as_text=True)
    assert "2 h 44 min active" in listed
    assert "1 prompt / 1 answer" in listed
    page = dashboard.get(f"/sessions/{sid}", headers=NAVIGATE).get_data(as_text=True)
    assert '<dd aria-describedby="active-means">2 h 44 min</dd>' in page
    assert "<td>1 character</td>" in page and "<td>1,204 characters</td>" in page

    env = {"CANDOR_DATA_DIR": app.config["DATA_DIR"]}
    target = tmp_path / "report.html"
    exported = CliRunner().invoke(main, ["export", "--format", "html", "-o", str(target)],
                                  env=env)
    assert exported.exit_code == 0, exported.output
    assert "Exported 1 session of" in exported.output
    html = target.read_text()
    assert '<td class="num" data-label="Active">2 h 44 min</td>' in html
    assert "· 1 session</p>" in html
    assert "164 min" not in html

    stats = CliRunner().invoke(main, ["stats"], env=env).output.splitlines()
    assert stats[-1].split()[:4] == ["total", "0", "s", "0"]  # nothing tagged real yet
    assert stats[-1][54:68].strip() == "2 h 44 min"  # the untagged column
    assert "164m" not in "\n".join(stats)
