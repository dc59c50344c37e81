"""The HTTP API, v1: thin views onto ingest and journal."""

import sqlite3

from flask_smorest import Api
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    ServiceUnavailable,
)

from ..writer import WriterGone
from . import (
    agent_sources,
    clients,
    events,
    exports,
    goals,
    health,
    journals,
    logins,
    otlp,
    pairing,
    rules,
    sessions,
    settings,
    stats,
)


class JournalApi(Api):
    """flask-smorest's Api, with a message in every error (the one error shape)."""

    def handle_http_exception(self, error):
        payload, code, headers = super().handle_http_exception(error)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers = {**headers, "Allow": ", ".join(error.valid_methods)}
        if "message" not in payload:
            payload["message"] = ("Some fields are not valid: see errors." if "errors" in payload
                                  else error.description)
        return payload, code, headers


def init_app(app):
    """Register the API's blueprints, its OpenAPI document and its one error shape."""
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Candor's local journal service. All times are UTC "
                                "ISO 8601; dates in filters are local dates."},
        "components": {"securitySchemes": {
            "token": {"type": "http", "scheme": "bearer",
                      "description": "The token `candor token` prints"},
        }},
        "security": [{"token": []}],
    })
    api = JournalApi(app)
    for module in (health, events, sessions, stats, exports, journals, pairing, logins,
                   settings, agent_sources, clients, rules, goals):
        api.register_blueprint(module.blp)
    # OpenTelemetry's own protocol, at the addresses exporters append (not in the
    # OpenAPI document: OTLP is specified by OpenTelemetry).
    app.register_blueprint(otlp.blp)

    @app.errorhandler(Exception)
    def _unexpected(error):
        # Anything a client can send is answered with a 4xx before this point;
        # this keeps even our own bugs in the API's one JSON error shape.
        if isinstance(error, HTTPException):
            return api.handle_http_exception(error)
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            return api.handle_http_exception(ServiceUnavailable(
                "The journal is busy; send the request again shortly."))
        if isinstance(error, WriterGone):
            return api.handle_http_exception(ServiceUnavailable(
                "The journal's writer restarted; send the request again shortly."))
        app.logger.exception("unexpected error")
        return api.handle_http_exception(InternalServerError())

    app.extensions["candor_api"] = api
    return api

