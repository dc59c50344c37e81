"""The extension in firefox-esr: pairs through the connect page and syncs a session."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from support import start_server

from conftest import EXTENSION, SITES

FIREFOX = Path("/usr/bin/firefox-esr")
DEFAULT_PORT = 5765  # the extension's default server address, which the connect page must match
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


def port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.skipif(not FIREFOX.exists(), reason="needs /usr/bin/firefox-esr")
@pytest.mark.skipif(
    shutil.which("node") is None or puppeteer_dir() is None,
    reason="needs node and puppeteer-core (npm install)",
)
def test_firefox_syncs_a_session(tmp_path):
    if not port_free(DEFAULT_PORT):
        pytest.skip(f"port {DEFAULT_PORT} is taken")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = start_server(data_dir, port=DEFAULT_PORT).process
    try:
        url = f"http://127.0.0.1:{DEFAULT_PORT}"
        token = subprocess.run(
            [sys.executable, "-m", "candor", "token"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "CANDOR_DATA_DIR": str(data_dir)},
        ).stdout.strip()
        prompt = f"A question asked in Firefox {SENTINEL}"
        run = subprocess.run(
            [
                "node",
                str(Path(__file__).with_name("firefox_session.cjs")),
                str(EXTENSION),
                url,
                token,
                str(SITES / "chatgpt.html"),
            ],
            env={**os.environ, "PUPPETEER_DIR": puppeteer_dir(), "PROMPT": prompt},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr + run.stdout
        sessions = requests.get(
            f"{url}/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}, timeout=5
        ).json()["sessions"]
        [session] = sessions
        assert session["site"] == "chatgpt"
        assert (session["prompts"], session["responses"], session["copies"]) == (1, 1, 1)
        assert not any(
            SENTINEL.encode() in p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
