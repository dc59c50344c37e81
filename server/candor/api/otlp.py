"""POST /v1/traces, /v1/logs, /v1/metrics: OpenTelemetry (OTLP/HTTP) from agents.

The addresses exporters append to OTEL_EXPORTER_OTLP_ENDPOINT. Only the token in
`Authorization: Bearer` lets a sender in (never the dashboard's cookie), and no CORS
answers here: a web page can't post telemetry. Decoding happens before the journal's
write lock is taken; the batch is then one short write.
"""

from flask import Blueprint, Response, request
from flask_smorest import abort

from ..agents import otlp, telemetry
from ..db import get_db, write_together

blp = Blueprint("otlp", __name__, url_prefix="/v1")


@blp.before_request
def _token_only():
    # The app's checks have let the request in by the token or by a dashboard login;
    # telemetry comes from programs, which send the token.
    if not request.headers.get("Authorization"):
        abort(401, message="Missing or wrong token: send 'Authorization: Bearer <token>' "
                           "(OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer%20$(candor "
                           "token)\").")


@blp.after_request
def _protobuf_errors(response):
    # OTLP/HTTP answers a protobuf client's error with a google.rpc.Status; JSON clients
    # keep Candor's one JSON error shape.
    if (response.status_code >= 400 and request.mimetype == otlp.PROTOBUF
            and response.is_json):
        message = (response.get_json(silent=True) or {}).get("message", response.status)
        response.set_data(otlp.error_body(response.status_code, message))
        response.content_type = otlp.PROTOBUF
    return response


def _export(signal):
    content_type = request.mimetype
    try:
        # Refuse another content type before reading a byte of the body.
        if content_type not in otlp.CONTENT_TYPES:
            raise otlp.Refused(415, f"Send OTLP as {otlp.JSON} or {otlp.PROTOBUF}, not "
                                    f"{content_type or 'nothing'}.")
        message = otlp.decode(signal, request.get_data(cache=False), content_type,
                              request.headers.get("Content-Encoding"))
        batch = telemetry.read(signal, message)
    except otlp.Refused as refused:
        abort(refused.status, message=str(refused))
    if batch.says_anything():  # spans of an HTTP client, say, need no write at all
        write_together(get_db(), lambda db: telemetry.store(db, batch))
    return Response(otlp.answer(signal, content_type, batch.rejected, batch.why), 200,
                    content_type=content_type)


@blp.route("/traces", methods=["POST"])
def traces():
    """Spans: GenAI model calls (exact tokens), tool calls and failed calls."""
    return _export("traces")


@blp.route("/logs", methods=["POST"])
def logs():
    """Log events of Claude Code, Codex and Gemini CLI: requests, prompts (their time only),
    failures, tool results."""
    return _export("logs")


@blp.route("/metrics", methods=["POST"])
def metrics():
    """Metric points: Claude Code's lines of code, commits, pull requests and active time."""
    return _export("metrics")
