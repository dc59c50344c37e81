"""Fixtures: a fresh journal per test, the Flask test client, and a real server process."""

import subprocess

import pytest
from flask.testing import FlaskClient
from support import BASE_URL, NAVIGATE, PORT, SAME_ORIGIN, start_server

from candor import create_app, logins, security
from candor import db as candor_db


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


def log_in(client, data_dir):
    """Log `client` in as a browser does: open a fresh `candor open` link. Returns the answer."""
    code, _ = logins.new_login_link_code(data_dir)
    return client.get(f"/login?code={code}", headers=NAVIGATE)


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
