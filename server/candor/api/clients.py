"""/api/v1/clients: the extensions paired with this journal, and what the dashboard asks of them."""

from flask import current_app
from flask_smorest import abort
from marshmallow import Schema

from .. import clients, security
from ..db import get_db
from ..schemas import ClientListSchema, ClientStatusSchema, StrictBoolean
from .body import Blueprint

blp = Blueprint("clients", __name__, url_prefix="/api/v1",
                description="The browser extensions paired with this journal")


class ClientSettingsSchema(Schema):
    """What to ask of an extension; it changes it at its next sync, as its options would."""

    titles = StrictBoolean(required=True, metadata={
        "description": "Keep conversation titles (true) or leave them out (false), in new "
                       "events and in those still waiting to be sent"})


def _token_made():
    return clients.token_made_ms(security.token_path(current_app.config["DATA_DIR"]))


def status():
    """{"paired", "clients"}: whether an extension is paired, and each one seen."""
    listed = clients.listed(get_db(), _token_made())
    return {"paired": any(c["paired"] for c in listed), "clients": listed}


@blp.route("/clients", methods=["GET"])
@blp.response(200, ClientListSchema)
def list_clients():
    """Each extension that paired or synced: browser, version, last sync, events waiting,
    whether it keeps titles and what it was asked."""
    return status()


@blp.route("/clients", methods=["PATCH"])
@blp.arguments(ClientSettingsSchema)
@blp.response(200, ClientListSchema)
def ask_every_client(body):
    """Ask every paired extension to keep titles or leave them out, at its next sync."""
    clients.ask_titles(get_db(), body["titles"], _token_made())
    return status()


@blp.route("/clients/<client_id>", methods=["PATCH"])
@blp.arguments(ClientSettingsSchema)
@blp.response(200, ClientStatusSchema)
@blp.alt_response(404, description="No extension has this id")
def ask_client(body, client_id):
    """Ask one extension to keep titles or leave them out, at its next sync."""
    if not clients.ask_titles(get_db(), body["titles"], _token_made(), client_id):
        abort(404, message=f"No extension {client_id!r}.")
    return next(c for c in status()["clients"] if c["id"] == client_id)
