"""The dashboard's pages, served on the API's own origin."""

from flask import Blueprint, current_app, g, redirect, render_template, request

from .. import __version__, journal, report, security
from ..db import get_db

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.route("/")
def index():
    """The dashboard; `/?token=…` (the URL `candor serve` prints) logs the browser in."""
    token = request.args.get("token")
    if token is not None:
        if not security.token_matches(token):
            return render_template("locked.html", wrong_token=True), 401
        # Trade the token in the URL for a cookie, then drop it from the address bar.
        response = redirect("/", code=303)
        response.set_cookie(security.COOKIE_NAME, security.cookie_value(token),
                            httponly=True, samesite="Strict", path="/")
        return response
    if not g.authenticated:
        return render_template("locked.html", wrong_token=False), 401
    today = journal.today()
    return render_template("index.html", version=__version__,
                           today=report.stats(get_db(), today, today),
                           overall=report.stats(get_db()))


@bp.route("/connect")
def connect():
    """The page the extension recognises to pair itself (it reads the token from it)."""
    return render_template("connect.html", token=security.read_token(
        current_app.config["DATA_DIR"]))


def init_app(app):
    """Register the dashboard's pages."""
    app.register_blueprint(bp)
