"""GET /api/v1/health: is the service up, and which version."""



from .. import __version__
from ..schemas import HealthSchema
from .body import Blueprint

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Liveness")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.doc(security=[])
def health():
    """Whether the service is up (no token needed)."""
    return {"status": "ok", "version": __version__}
