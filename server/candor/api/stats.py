"""GET /api/v1/stats: active time by tag, value ratio and coverage."""



from .. import report
from ..db import get_db
from ..schemas import StatsQuerySchema, StatsSchema
from .body import Blueprint

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="The value ratio")


@blp.route("/stats")
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, StatsSchema)
def stats(query):
    """Active time by tag between two inclusive local dates, the value ratio and coverage."""
    return report.stats(get_db(), query.get("from_"), query.get("to"), query.get("group"),
                        kind=query.get("kind"))
