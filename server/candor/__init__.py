"""Candor: a private, local journal of AI-tool sessions."""

__version__ = "0.1.0"


def create_app(test_config=None):
    """Build the Flask app: defaults, then the environment, then `test_config`."""
    # Flask is imported here, not with the package: commands that need no server
    # (`candor agents scan`, run every minute by some) start faster without it.
    from flask import Flask

    from . import api, config, db, security, web

    app = Flask(__name__, static_folder=None)
    config.load(app, test_config)
    db.init_app(app)
    security.init_app(app)
    api.init_app(app)
    web.init_app(app)
    # Outermost: the hardening headers go on every answer, the hot path's included.
    app.wsgi_app = security.Hardened(api.events.Express(app, app.wsgi_app))
    return app
