"""Start and stop a real `candor serve` for a benchmark (127.0.0.1, its own data dir)."""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answers(process, port, path, seconds):
    """Wait until GET `path` on 127.0.0.1:`port` answers 200; False if `process` exits
    or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
            answered = conn.getresponse().status == 200
            conn.close()
            if answered:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


class Server:
    """A `candor serve` process on a free port, with a throwaway data dir."""

    def __init__(self, data_dir=None, threads=8):
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="candor-bench-")
        self.data_dir = Path(data_dir or self._tmp.name)
        self.port = free_port()
        env = {**os.environ, "CANDOR_DATA_DIR": str(self.data_dir)}
        self.log = open(self.data_dir / "server.log", "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "candor", "serve", "--port", str(self.port),
             "--threads", str(threads)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until_answers(self.process, self.port, "/api/v1/health", seconds=60):
            self.stop()
            raise RuntimeError((self.data_dir / "server.log").read_text())
        self.token = (self.data_dir / "token").read_text().strip()

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    def address(self):
        """What a client in another process needs: port, host and token."""
        return Address(self.port, self.host, self.token)

    def connection(self):
        """A keep-alive connection with the headers every request needs."""
        return Client(self)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class Address:
    """Where the server is and how to get in (picklable, for client processes)."""

    port: int
    host: str
    token: str


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, server):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.headers = {"Host": server.host, "Authorization": f"Bearer {server.token}",
                        "Content-Type": "application/json"}

    def request(self, method, path, body=None):
        """Send one request (body: bytes or JSON-able); returns (status, parsed JSON or None)."""
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, (json.loads(raw) if raw and is_json else raw)

    def close(self):
        self.conn.close()


class LeanClient:
    """A minimal keep-alive HTTP/1.1 client for POSTing JSON bytes.

    http.client spends about 0.1 ms of Python per request parsing headers; at a
    thousand requests a second that is the client's time, not the server's.
    """

    def __init__(self, server):
        self.sock = socket.create_connection(("127.0.0.1", server.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.head = (f"Host: {server.host}\r\nAuthorization: Bearer {server.token}\r\n"
                     "Content-Type: application/json\r\n").encode()

    def post(self, path, body):
        """POST `body` (bytes); returns (status, parsed JSON answer)."""
        self.sock.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self.head
                          + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        status = int(self.reader.readline().split()[1])
        length = 0
        while (line := self.reader.readline()) != b"\r\n":
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, json.loads(self.reader.read(length))

    def close(self):
        self.reader.close()
        self.sock.close()
