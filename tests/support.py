"""Helpers shared by the tests: events as the extension sends them, and a real server."""

import json
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

from candor import logins, security

PORT = 5765
BASE_URL = f"http://127.0.0.1:{PORT}"

# What a browser sends when the user opens a page directly, and from the dashboard's own pages.
NAVIGATE = {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}


def log_in(client, data_dir):
    """Log a test client in as a browser does: open a fresh `candor open` link; the answer."""
    code, _ = logins.new_login_link_code(data_dir)
    return client.get(f"/login?code={code}", headers=NAVIGATE)


def candor(*args, data_dir, tz):
    """Run the `candor` command in its own process, with its data dir and a time zone (TZ)."""
    done = subprocess.run([sys.executable, "-m", "candor", *args], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "CANDOR_DATA_DIR": str(data_dir), "TZ": tz})
    assert done.returncode == 0, done.stderr
    return done.stdout


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

    def login_link(self):
        """A fresh single-use dashboard link, as `candor open` makes."""
        code, _ = logins.new_login_link_code(self.data_dir)
        return f"{self.url}/login?code={code}"

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


def o200k(text):
    """`text`'s o200k_base token count, from the npm package the extension vendors, in Node."""
    entry = Path(__file__).resolve().parents[1] / "node_modules" / "gpt-tokenizer" / "esm" / \
        "encoding" / "o200k_base.js"
    code = (f'import {{ countTokens }} from "{entry.as_uri()}";'
            'let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => '
            "process.stdout.write(String(countTokens(JSON.parse(s), "
            "{ disallowedSpecial: new Set() }))));")
    done = subprocess.run(["node", "--input-type=module", "-e", code], input=json.dumps(text),
                          capture_output=True, text=True, timeout=60, check=True)
    return int(done.stdout)


def expected_sessions(events):
    """Session totals computed straight from the distinct events, independently of ingest."""
    unique = {e["id"]: e for e in events}.values()
    out = {}
    for sid in {e["session_id"] for e in unique}:
        mine = sorted((e for e in unique if e["session_id"] == sid),
                      key=lambda e: (e["ts"], e["id"]))

        def latest(name, mine=mine):
            values = [e[name] for e in mine if e.get(name) is not None]
            return values[-1] if values else None

        def total(kind, name, mine=mine):
            return sum(e.get(name, 0) for e in mine if e["type"] == kind)

        # Tokens sent without a tokenizer were counted as characters / 4 (before the field).
        methods = {e.get("tokenizer") or "chars/4" for e in mine
                   if e["type"] in ("prompt", "response") and e.get("est_tokens") is not None}

        out[sid] = {
            "site": mine[0]["site"], "started_at": mine[0]["ts"], "ended_at": mine[-1]["ts"],
            "active_ms": total("activity", "active_ms"),
            "prompts": sum(e["type"] == "prompt" for e in mine),
            "responses": sum(e["type"] == "response" for e in mine),
            "copies": sum(e["type"] == "copy" for e in mine),
            "est_tokens_in": total("prompt", "est_tokens"),
            "est_tokens_out": total("response", "est_tokens"),
            "model": latest("model"), "url": latest("url"), "title": latest("title"),
            "tokenizer": (methods.pop() if len(methods) == 1 else "mixed") if methods else None,
        }
    return out


SESSION_COLUMNS = ("site", "started_at", "ended_at", "active_ms", "prompts", "responses",
                   "copies", "est_tokens_in", "est_tokens_out", "model", "url", "title",
                   "tokenizer")


def stored_sessions(conn):
    """Session totals as stored, keyed by id (for comparing with expected_sessions)."""
    rows = conn.execute(f"SELECT id, {', '.join(SESSION_COLUMNS)} FROM sessions").fetchall()
    return {row[0]: dict(zip(SESSION_COLUMNS, row[1:], strict=True)) for row in rows}
