"""The dashboard's logins: which browsers are logged in, and ending one."""

from datetime import datetime, timezone

from flask import current_app, g
from flask_smorest import abort

from .. import logins
from ..schemas import LoginListSchema
from .body import Blueprint

blp = Blueprint("logins", __name__, url_prefix="/api/v1/logins",
                description="Browsers logged in to the dashboard")


def _iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="seconds")


def current_logins():
    """The live logins, the one making this request marked `current`."""
    return [
        {**login, "created_at": _iso(login["created_at"]),
         "last_seen_at": _iso(login["last_seen_at"]),
         "current": login["id"] == g.get("login_id")}
        for login in logins.list_logins(current_app.config["DATA_DIR"])
    ]


@blp.route("", methods=["GET"])
@blp.response(200, LoginListSchema)
def list_logins():
    """Browsers logged in to the dashboard, most recently used first."""
    return {"logins": current_logins()}


@blp.route("/<string:login_id>", methods=["DELETE"])
@blp.response(204)
def revoke(login_id):
    """Log a browser out of the dashboard."""
    if not logins.revoke(current_app.config["DATA_DIR"], login_id):
        abort(404, message=f"No login {login_id!r}.")
