"""The floor for bench/load.py: an empty Flask app on the same waitress, same threads.

It answers every request with a small JSON object and does nothing else, so what the
clients see against it is what waitress, Flask and the clients themselves cost on
this machine.

    python bench/_floor.py PORT THREADS
"""

import logging
import subprocess
import sys

from _server import Address, free_port, wait_until_answers


def app():
    from flask import Flask, request

    floor = Flask(__name__)

    @floor.route("/", defaults={"path": ""}, methods=["GET", "POST", "PATCH"])
    @floor.route("/<path:path>", methods=["GET", "POST", "PATCH"])
    def answer(path):
        request.get_data()
        return {"accepted": 0, "duplicates": 0, "rejected": []}

    return floor


class FloorServer:
    """The floor app in its own process on a free port of 127.0.0.1."""

    def __init__(self, threads=8):
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, __file__, str(self.port), str(threads)])
        if not wait_until_answers(self.process, self.port, "/", seconds=30):
            self.stop()
            raise RuntimeError("the floor server did not start")

    def address(self):
        return Address(self.port, f"127.0.0.1:{self.port}", "none")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as `candor serve`
    waitress.serve(app(), host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]))
