"""GET /api/v1/clients: the extensions paired with this journal, for the dashboard."""

from flask import current_app

from .. import clients, security
from ..db import get_db
from ..schemas import ClientListSchema
from .body import Blueprint

blp = Blueprint("clients", __name__, url_prefix="/api/v1",
                description="The browser extensions paired with this journal")


def status():
    """{"paired", "clients"}: whether an extension is paired, and each one seen."""
    made = clients.token_made_ms(security.token_path(current_app.config["DATA_DIR"]))
    listed = clients.listed(get_db(), made)
    return {"paired": any(c["paired"] for c in listed), "clients": listed}


@blp.route("/clients", methods=["GET"])
@blp.response(200, ClientListSchema)
def list_clients():
    """Each extension that paired or synced: browser, version, last sync, events waiting."""
    return status()
