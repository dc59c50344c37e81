"""Helpers shared by the tests: events as the extension sends them, and a real server."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from candor import security

PORT = 5765
BASE_URL = f"http://127.0.0.1:{PORT}"


def new_id():
    return str(uuid.uuid4())


def event(session_id=None, type="prompt", ts=None, site="chatgpt", **fields):
    """An event as the extension sends it (defaults: a prompt, now, on ChatGPT)."""
    ts = ts or datetime.now(timezone.utc) - timedelta(minutes=5)
    return {"id": new_id(), "session_id": session_id or new_id(), "type": type,
            "ts": ts.isoformat() if isinstance(ts, datetime) else ts, "site": site, **fields}


def batch(*events):
    return {"client": {"id": "test-client", "browser": "chromium", "extension_version": "0.1.0"},
            "events": list(events)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A real `candor serve` process on 127.0.0.1."""

    url: str
    port: int
    token: str
    data_dir: Path
    process: subprocess.Popen

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def kill(self, sig=signal.SIGKILL):
        self.process.send_signal(sig)
        self.process.wait(timeout=10)


def start_server(data_dir, port=None, extra_args=(), env=None):
    """Start `candor serve` on a free port and wait until /api/v1/health answers."""
    port = port or free_port()
    env = {**os.environ, "CANDOR_DATA_DIR": str(data_dir), **(env or {})}
    log_path = Path(data_dir).parent / f"server-{port}.log"
    # A file, not a pipe: an unread pipe would block a chatty server.
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "candor", "serve", "--port", str(port), *extra_args],
            env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"candor serve exited: {log_path.read_text()}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("candor serve did not answer within 30 s")
        time.sleep(0.05)
    token_file = Path(data_dir) / security.TOKEN_FILE
    token = token_file.read_text().strip() if token_file.exists() else None
    return LiveServer(url, port, token, Path(data_dir), process)
