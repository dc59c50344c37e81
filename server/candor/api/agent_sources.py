"""Agent sources: which coding agents' logs `candor serve` scans by itself."""

from flask import current_app
from flask_smorest import abort

from .. import journal
from ..agents import background
from ..db import get_db
from ..schemas import AgentSourceListSchema, AgentSourceSchema
from .body import Blueprint

blp = Blueprint("agent_sources", __name__, url_prefix="/api/v1", description="Settings")


def _listed():
    found = background.sources(get_db(), current_app.config["AGENT_ROOTS"])
    for source in found:
        source["last_seen"] = journal.iso(source["last_seen"]) if source["last_seen"] else None
    return found


@blp.route("/settings/agent-sources")
@blp.response(200, AgentSourceListSchema)
def list_agent_sources():
    """Each agent source: its folders here, its sessions, when last seen, and its switch."""
    return {"sources": _listed()}


@blp.route("/settings/agent-sources/<string:source>", methods=["PUT"])
@blp.arguments(AgentSourceSchema)
@blp.response(200, AgentSourceSchema)
def put_agent_source(body, source):
    """Switch background scanning of one source on or off (`candor agents scan` always works)."""
    try:
        background.switch(get_db(), source, body["on"])
    except background.UnknownSource:
        abort(404, message=f"No agent source {source!r}: known are "
                           f"{', '.join(background.LABELS)}.")
    return next(s for s in _listed() if s["source"] == source)
