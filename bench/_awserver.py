"""ActivityWatch's aw-server, the closest peer, as a baseline for batched ingest.

It runs as it ships (its own Flask app on werkzeug, peewee on SQLite) from a virtual
environment of its own, made on first use in bench/.aw-server-venv (aw-server 0.12
needs flask<3, werkzeug<3 and peewee<4, which Candor's environment can't hold).
Its data goes to a throwaway folder; it listens on 127.0.0.1 only.
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _server import free_port, wait_until_answers

VENV = Path(__file__).resolve().parent / ".aw-server-venv"
REQUIREMENTS = ["aw-server==0.12.*", "flask<3", "werkzeug<3", "peewee<4"]
BUCKET = "candor-bench"


def ensure_venv():
    """The aw-server command, installing it into its own virtual environment if needed."""
    command = VENV / "bin" / "aw-server"
    if not command.exists():
        print("installing aw-server into bench/.aw-server-venv (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                        *REQUIREMENTS], check=True)
    return command


class AwServer:
    """aw-server on a free port of 127.0.0.1, with one bucket to send events to."""

    def __init__(self):
        command = ensure_venv()
        self._tmp = tempfile.TemporaryDirectory(prefix="aw-bench-")
        home = self._tmp.name
        env = {**os.environ, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "XDG_CACHE_HOME": home}
        self.port = free_port()
        self.log = open(Path(home) / "aw-server.log", "a")
        self.process = subprocess.Popen(
            [str(command), "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until_answers(self.process, self.port, "/api/0/info", seconds=60):
            self.stop()
            raise RuntimeError((Path(home) / "aw-server.log").read_text())
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        status, _ = self.post(f"/api/0/buckets/{BUCKET}",
                              {"client": "bench", "type": "candor.events", "hostname": "bench"})
        assert status == 200, status

    def post(self, path, body):
        """POST `body` as JSON on the kept-alive connection; (status, raw answer)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.conn.request("POST", path, data, {"Content-Type": "application/json",
                                               "Host": f"127.0.0.1:{self.port}"})
        answer = self.conn.getresponse()
        return answer.status, answer.read()

    def events_path(self):
        return f"/api/0/buckets/{BUCKET}/events"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def as_aw_event(event):
    """A Candor event as an ActivityWatch event: its time, a duration, the rest as data."""
    data = {k: v for k, v in event.items() if k not in ("ts", "active_ms")}
    return {"timestamp": event["ts"], "duration": event.get("active_ms", 0) / 1000, "data": data}
