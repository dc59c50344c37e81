"""Where Candor keeps its data and which port it serves on."""

import os
from pathlib import Path

import platformdirs

DEFAULT_PORT = 5765

# A batch of 1,000 events with long URLs and titles stays well under this.
MAX_BODY_BYTES = 4 * 1024 * 1024


def data_dir(override=None, create=True):
    """The data dir: `override`, else CANDOR_DATA_DIR, else the per-user default."""
    chosen = override or os.environ.get("CANDOR_DATA_DIR")
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir("candor", appauthor=False))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def port(override=None):
    """The port: `override`, else CANDOR_PORT, else 5765."""
    if override is not None:
        return int(override)
    return int(os.environ.get("CANDOR_PORT", DEFAULT_PORT))


def load(app, test_config=None):
    """Fill app.config: code defaults, then the environment, then `test_config`."""
    test_config = test_config or {}
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        # Keep the order the API declares; clients read these by key anyway.
        JSON_SORT_KEYS=False,
        API_TITLE="Candor",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.config["DATA_DIR"] = str(data_dir(test_config.get("DATA_DIR")))
    app.config["PORT"] = port(test_config.get("PORT"))
    app.config.update({k: v for k, v in test_config.items() if k not in ("DATA_DIR", "PORT")})
    if "AGENT_ROOTS" not in test_config:
        from .agents.background import default_roots

        # {source: folders}: the agents' logs of the user running the server.
        app.config["AGENT_ROOTS"] = default_roots()
    app.config["DATABASE"] = str(Path(app.config["DATA_DIR"]) / "candor.db")
