"""The hot path (api/events.py Express) answers plain batches exactly as Flask would, and
leaves everything else to Flask.

Each case runs the same request twice on the real app and the real SQLite file: through
the whole stack (Express first) and through Flask alone (the layer Express wraps). A
spy on that inner layer tells which one answered.
"""

import json

import pytest
from support import PORT, batch, event
from werkzeug.test import EnvironBuilder, run_wsgi_app

from candor import security

HOST = f"127.0.0.1:{PORT}"


class Spy:
    """The app's own inner WSGI layer (Flask), counting the requests it answers."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.inner(environ, start_response)


@pytest.fixture
def layers(app):
    """(the whole stack, Flask alone, the spy on Flask) of the real app."""
    express = app.wsgi_app.wsgi_app
    spy = express.wsgi_app = Spy(express.wsgi_app)
    return app.wsgi_app, security.Hardened(spy), spy


def send(wsgi, body, **headers):
    environ = EnvironBuilder(path="/api/v1/events", method="POST", data=body,
                             headers={"Host": HOST, **headers}).get_environ()
    if "Content-Type" not in headers:
        environ["CONTENT_TYPE"] = "application/json"
    chunks, status, answer = run_wsgi_app(wsgi, environ)
    return status, sorted(answer.items()), b"".join(chunks)


def stored(app):
    import sqlite3
    db = sqlite3.connect(app.config["DATABASE"])
    try:
        return db.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        db.close()


@pytest.mark.parametrize("origin", [None, "chrome-extension://abcdefghijklmnop",
                                    "moz-extension://0b9b1f9c-1d7e-4f0e-9a51-3f1f2c4d5e6f"])
def test_a_plain_batch_is_answered_below_flask_as_flask_answers_it(app, token, layers, origin):
    whole, flask_alone, spy = layers
    headers = {"Authorization": f"Bearer {token}"} | ({"Origin": origin} if origin else {})
    first, again = batch(event(), event()), batch(event(), event())
    fast = send(whole, json.dumps(first).encode(), **headers)
    assert spy.calls == 0, "the plain batch went through Flask"
    slow = send(flask_alone, json.dumps(again).encode(), **headers)
    assert spy.calls == 1
    assert fast == slow
    assert fast[0] == "200 OK" and json.loads(fast[2]) == {
        "accepted": 2, "duplicates": 0, "rejected": []}
    assert stored(app) == 4
    # Re-sent, both count it as duplicates, and store nothing more.
    assert send(whole, json.dumps(first).encode(), **headers) == send(
        flask_alone, json.dumps(again).encode(), **headers)
    assert stored(app) == 4


@pytest.mark.parametrize("wish", [False, True])
def test_an_answer_asking_the_extension_to_change_titles_is_flasks_too(
        app, token, layers, dashboard, wish):
    whole, flask_alone, spy = layers
    bearer = {"Authorization": f"Bearer {token}"}
    said = {**batch(event())["client"], "titles": not wish}
    send(whole, json.dumps({"client": said, "events": [event()]}).encode(), **bearer)
    assert dashboard.patch(f"/api/v1/clients/{said['id']}",
                           json={"titles": wish}).json["titles_asked"] is wish
    calls = spy.calls
    fast = send(whole, json.dumps({"client": said, "events": [event()]}).encode(), **bearer)
    assert spy.calls == calls, "the plain batch went through Flask"
    slow = send(flask_alone, json.dumps({"client": said, "events": [event()]}).encode(),
                **bearer)
    assert fast == slow
    assert json.loads(fast[2]) == {"accepted": 1, "duplicates": 0, "rejected": [],
                                   "settings": {"titles": wish}}
    # Done as asked: neither answer asks any more.
    done = {**said, "titles": wish}
    fast = send(whole, json.dumps({"client": done, "events": [event()]}).encode(), **bearer)
    slow = send(flask_alone, json.dumps({"client": done, "events": [event()]}).encode(),
                **bearer)
    assert fast == slow and "settings" not in json.loads(fast[2])


def test_the_answer_keeps_the_hardening_headers(app, token, layers):
    whole, _, _ = layers
    _, headers, _ = send(whole, json.dumps(batch(event())).encode(),
                         Authorization=f"Bearer {token}")
    assert set(security.HARDENING_HEADERS.items()) <= set(headers)


def refusals(token):
    """(why, headers, body): requests Express must leave to Flask."""
    good = json.dumps(batch(event())).encode()
    bearer = {"Authorization": f"Bearer {token}"}
    return [
        ("no token", {}, good),
        ("wrong token", {"Authorization": "Bearer " + "x" * 43}, good),
        ("another scheme", {"Authorization": f"Basic {token}"}, good),
        ("foreign origin", bearer | {"Origin": "https://evil.example"}, good),
        ("own origin (a page)", bearer | {"Origin": f"http://{HOST}"}, good),
        ("wrong host", bearer | {"Host": "evil.example"}, good),
        ("a form post", bearer | {"Content-Type": "text/plain"}, good),
        ("not JSON", bearer, b"{nope"),
        ("an event the fast check refuses", bearer,
         json.dumps(batch(event(), event(site="no-such-site"))).encode()),
        ("empty body", bearer, b""),
    ]


@pytest.mark.parametrize("case", range(10))
def test_anything_else_is_left_to_flask(app, token, layers, case):
    whole, flask_alone, spy = layers
    why, headers, body = refusals(token)[case]
    answer = send(whole, body, **headers)
    assert spy.calls == 1, why
    assert answer[0] == send(flask_alone, body, **headers)[0], why
