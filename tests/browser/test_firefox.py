"""The extension in firefox-esr: pairs through the connect page on any port and syncs a session."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from support import o200k

from conftest import EXTENSION, SITES

FIREFOX = Path("/usr/bin/firefox-esr")
SENTINEL = "SENTINEL-firefox-33d1"


def puppeteer_dir():
    """A node_modules folder holding puppeteer-core: $PUPPETEER_DIR, or the repository's own."""
    for candidate in (
        os.environ.get("PUPPETEER_DIR"),
        Path(__file__).resolve().parents[2] / "node_modules",
    ):
        if candidate and (Path(candidate) / "puppeteer-core").is_dir():
            return str(candidate)
    return None


@pytest.mark.skipif(not FIREFOX.exists(), reason="needs /usr/bin/firefox-esr")
@pytest.mark.skipif(
    shutil.which("node") is None or puppeteer_dir() is None,
    reason="needs node and puppeteer-core (npm install)",
)
def test_firefox_syncs_a_session(live_server, tmp_path):
    # The server is on a free port; the extension is told its address, as a user can.
    prompt = f"A question asked in Firefox {SENTINEL}"
    run = subprocess.run(
        [
            "node",
            str(Path(__file__).with_name("firefox_session.cjs")),
            str(EXTENSION),
            live_server.url,
            live_server.login_link(),
            str(SITES / "chatgpt.html"),
            str(tmp_path / "firefox-profile"),
        ],
        env={**os.environ, "PUPPETEER_DIR": puppeteer_dir(), "PROMPT": prompt},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    sessions = requests.get(
        f"{live_server.url}/api/v1/sessions", headers=live_server.headers(), timeout=5
    ).json()["sessions"]
    [session] = sessions
    assert session["site"] == "chatgpt"
    assert (session["prompts"], session["responses"], session["copies"]) == (1, 1, 1)
    # Firefox counts in its background page, with the same tokenizer.
    assert (session["est_tokens_in"], session["tokenizer"]) == (o200k(prompt), "o200k")
    assert not any(
        SENTINEL.encode() in p.read_bytes() for p in live_server.data_dir.rglob("*") if p.is_file()
    )
    # The dashboard knows which browser paired and synced, and that nothing waits there.
    [seen] = requests.get(f"{live_server.url}/api/v1/clients", headers=live_server.headers(),
                          timeout=5).json()["clients"]
    assert (seen["browser"], seen["paired"], seen["waiting"]) == ("firefox", True, 0)
    assert seen["paired_at"] is not None and seen["last_sync"] is not None


@pytest.mark.skipif(not FIREFOX.exists(), reason="needs /usr/bin/firefox-esr")
@pytest.mark.skipif(
    shutil.which("node") is None or puppeteer_dir() is None,
    reason="needs node and puppeteer-core (npm install)",
)
def test_firefox_asks_before_pairing_with_a_port_nobody_confirmed(live_server, tmp_path):
    # A fresh install, and Candor on a port that is not the default: the popup asks first.
    assert live_server.port != 5765
    run = subprocess.run(
        ["node", str(Path(__file__).with_name("firefox_session.cjs")), str(EXTENSION),
         live_server.url, live_server.login_link(), str(SITES / "chatgpt.html"),
         str(tmp_path / "firefox-profile")],
        env={**os.environ, "PUPPETEER_DIR": puppeteer_dir(), "ASK_ONLY": "1"},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    page = json.loads(run.stdout.strip().splitlines()[-1])
    assert f"Pair with Candor at 127.0.0.1:{live_server.port}?" in page["status"]
    listed = requests.get(f"{live_server.url}/api/v1/clients", headers=live_server.headers(),
                          timeout=5).json()
    assert listed == {"paired": False, "clients": []}
    # The page's code was never traded: it still works, once.
    firefox = {"Origin": "moz-extension://0f1e2d3c-aaaa-4bbb-8ccc-123456789abc"}
    traded = requests.post(f"{live_server.url}/api/v1/pairing", json={"code": page["code"]},
                           headers=firefox, timeout=5)
    assert traded.status_code == 200
