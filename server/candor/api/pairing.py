"""Pairing the extension: a one-time code for the token, and proof that this server knows it.

The token never appears in a page. The Connect page shows a single-use code (made
by `POST /pairing/code`, which needs a login); the extension trades it for the
token. Before the extension sends the token to whatever answers on this port, it
asks for `proof`: an HMAC of its fresh nonce under the token, which only a server
holding the token can make.
"""

import time
from datetime import datetime, timezone

from flask import current_app
from flask_smorest import abort

from .. import clients, logins, security
from ..db import get_db
from ..schemas import PairingCodeSchema, PairingSchema, ProofRequestSchema, ProofSchema, TokenSchema
from .body import Blueprint

blp = Blueprint("pairing", __name__, url_prefix="/api/v1/pairing",
                description="Pairing the browser extension")


def new_code():
    """A fresh pairing code for the Connect page: {"code", "expires_at"}."""
    code, expires_ms = logins.new_pairing_code(current_app.config["DATA_DIR"])
    expires = datetime.fromtimestamp(expires_ms / 1000, tz=timezone.utc)
    return {"code": code, "expires_at": expires.isoformat(timespec="seconds")}


@blp.route("/code", methods=["POST"])
@blp.response(201, PairingCodeSchema)
def pairing_code():
    """A single-use pairing code, valid for five minutes."""
    return new_code()


@blp.route("", methods=["POST"])
@blp.arguments(PairingSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(403, description="The code is unknown, used or expired")
@blp.doc(security=[])
def pair(args):
    """Trade a pairing code for the token (no token needed: the code is the credential)."""
    if not logins.use_pairing_code(current_app.config["DATA_DIR"], args["code"]):
        abort(403, message="This pairing code is unknown, used or expired: "
                           "reload the Connect page for a new one.")
    if "client" in args:  # listed on the dashboard as paired from now on
        clients.record_pairing(get_db(), args["client"], int(time.time() * 1000))
    return {"token": security.current_token()}


@blp.route("/proof", methods=["POST"])
@blp.arguments(ProofRequestSchema)
@blp.response(200, ProofSchema)
@blp.doc(security=[])
def proof(args):
    """HMAC-SHA256 of the nonce under the token: shows the extension this server knows it."""
    return {"proof": security.proof(security.current_token(), args["nonce"])}
