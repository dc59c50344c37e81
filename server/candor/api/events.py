"""POST /api/v1/events: the extension's batches."""

from flask import request
from flask_smorest import abort

from .. import ingest
from ..db import get_db
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
    return {"accepted": result.accepted, "duplicates": result.duplicates,
            "rejected": result.rejected}
