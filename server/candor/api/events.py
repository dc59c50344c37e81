"""POST /api/v1/events: the extension's batches."""

import io

from flask import request
from flask_smorest import abort

from .. import ingest, security
from ..config import MAX_BODY_BYTES
from ..db import get_db, thread_db
from ..schemas import BadJSON, BatchResultSchema, BatchSchema
from .body import Blueprint

blp = Blueprint("events", __name__, url_prefix="/api/v1", description="Events from the extension")


@blp.route("/events", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": BatchSchema}}})
@blp.response(200, BatchResultSchema)
@blp.alt_response(422, description="The batch as a whole is malformed; nothing was stored")
def post_events():
    """Store a batch of 1 to 1,000 events; each is accepted, a duplicate, or rejected."""
    try:
        result = ingest.ingest(get_db(), request.get_data(cache=True))
    except BadJSON as error:
        abort(400, message=str(error))
    except ingest.BadBatch as bad:
        abort(422, message="The batch is malformed; nothing was stored.",
              errors={"json": bad.errors})
    answer = {"accepted": result.accepted, "duplicates": result.duplicates,
              "rejected": result.rejected}
    if result.settings is not None:
        answer["settings"] = result.settings
    return answer


class Express:
    """WSGI layer answering the plainest POST /api/v1/events below Flask.

    The extension's batches are most of what Candor serves, and for a small batch
    Flask's request context, routing and flask-smorest's response wrapper cost more
    than storing it (bench/load.py). Only a batch that carries the token in its header,
    a JSON body within the size limit, and events that all pass the fast check goes
    this way, with the answer and headers Flask would give (tests/test_express.py);
    anything else, every refusal included, is left to Flask, which checks it all.
    """

    PATH = "/api/v1/events"

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        origin = environ.get("HTTP_ORIGIN")
        if (not 0 < length <= MAX_BODY_BYTES or not security.passes_by_token(environ, self.app)
                or (origin is not None and not security.EXTENSION_ORIGIN.match(origin))):
            return self.wsgi_app(environ, start_response)
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)  # for Flask, if it answers after all
        try:
            result = ingest.ingest_plain(thread_db(self.app.config["DATABASE"]), raw)
        except Exception:
            # Flask answers it, in its error shape (a failed write stored nothing; a
            # batch stored twice counts its events as duplicates the second time).
            result = None
        if result is None:
            return self.wsgi_app(environ, start_response)
        body = (f'{{"accepted":{result.accepted},"duplicates":{result.duplicates},'
                f'"rejected":[]{_settings_member(result.settings)}}}\n').encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if origin is not None:  # as flask-cors answers an extension
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        start_response("200 OK", headers)
        return [body]


def _settings_member(settings):
    """The answer's `settings` member as Flask writes it (after `rejected`), or ''."""
    if settings is None:
        return ""
    return f',"settings":{{"titles":{"true" if settings["titles"] else "false"}}}'
