"""Fixtures: a fresh journal per test, the Flask test client, and a real server process.

Also the skip policy: where CI is set (CI=true), a test that was skipped fails, with
the skip's reason, so a run that left out the browser or the linter cannot look green.
"""

import os
import subprocess

import pytest
from flask.testing import FlaskClient
from support import BASE_URL, PORT, SAME_ORIGIN, log_in, start_server

from candor import create_app, logins, security
from candor import db as candor_db


def skips_fail():
    """Whether a skipped test fails this run: CI is set, to anything but 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_reason(report):
    """The reason pytest gives for a skip report, without its "Skipped: " prefix."""
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI, turn a skip (marker, skipif, pytest.skip, importorskip) into a failure."""
    report = yield
    # An expected failure (xfail) is reported as skipped too, but the test did run.
    if report.skipped and skips_fail() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and a skip fails the run where CI is set: {skip_reason(report)}"
    return report


# Modules skipped as a whole under CI ("nodeid: reason"); failing their collection instead
# would stop the run before any test ran.
SKIPPED_MODULES = []


def pytest_collectreport(report):
    """Under CI, remember a module skipped as a whole, to fail the run at its end."""
    if report.skipped and skips_fail():
        SKIPPED_MODULES.append(f"{report.nodeid}: {skip_reason(report)}")


def pytest_sessionfinish(session, exitstatus):
    """Under CI, a run whose only trouble is a skipped module still fails."""
    if SKIPPED_MODULES and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    """Name each module that was skipped as a whole under CI, with its reason."""
    for line in SKIPPED_MODULES:
        terminalreporter.write_line(f"FAILED (skipped, and CI is set) {line}", red=True)


@pytest.fixture
def app(tmp_path):
    """An app on a fresh data dir in tmp_path (the real SQLite file)."""
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "PORT": PORT, "TESTING": True})
    yield app
    candor_db.close_all()
    logins.close_all()


@pytest.fixture
def token(app):
    return security.read_token(app.config["DATA_DIR"])


class LocalClient(FlaskClient):
    """A test client addressing the server as http://127.0.0.1:PORT, as a browser would."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", BASE_URL)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app, token):
    """A test client that talks to the app as the extension does: right Host, with the token."""
    app.test_client_class = LocalClient
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def anonymous(app):
    """A test client with the right Host but no token."""
    app.test_client_class = LocalClient
    return app.test_client()


@pytest.fixture
def dashboard(app):
    """A test client logged in to the dashboard with a cookie, as the dashboard's own pages
    call the API (Sec-Fetch-Site: same-origin); pass headers=NAVIGATE to open a page directly."""
    app.test_client_class = LocalClient
    client = app.test_client()
    assert log_in(client, app.config["DATA_DIR"]).status_code == 303
    client.environ_base.update(
        {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in SAME_ORIGIN.items()})
    return client


@pytest.fixture
def db(app):
    with app.app_context():
        yield candor_db.get_db()


@pytest.fixture
def live_server(tmp_path):
    """A real server process with its own data dir; stopped after the test."""
    server = start_server(tmp_path / "live-data")
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
