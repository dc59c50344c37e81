"""Guard a server that every web page on this machine can reach.

Checks run before anything is read or written, in this order:
1. Host must be this server's own (127.0.0.1, localhost or [::1] with its port):
   a DNS-rebinding page sends its own host name.
2. Origin, when sent, must be this server's own origin or a browser extension.
3. Every endpoint needs the token (Bearer header) or a dashboard login (cookie)
   unless it is listed as public. The check keys on the routed endpoint, never on
   the path; a path with an empty segment (`//api/v1/...`) is refused outright.
4. A request body must be declared JSON (a web page's form or text/plain post is not);
   OTLP's addresses (/v1/*) take protobuf too, and check it themselves.

The dashboard's cookie is honoured only when the browser says the request comes
from this very origin (`Sec-Fetch-Site: same-origin`), or is the user opening a
page directly (`none`: a bookmark, a link from the terminal). Browsers send
127.0.0.1's cookies to every port of 127.0.0.1, so a page served by another local
process gets the cookie too; it can't make the browser say "same-origin".
"""

import hmac
import os
import re
import secrets
from pathlib import Path

from flask import current_app, g, request
from flask_cors import CORS
from flask_smorest import abort

from . import logins

TOKEN_FILE = "token"
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9._-]+$")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

# Endpoints anyone on this machine may call without the token. Everything else
# needs it: a new endpoint is private until someone decides otherwise.
PUBLIC_ENDPOINTS = {
    "health.health", "api-docs.openapi_json", "web.index", "web.static", "web.login",
    "pairing.pair", "pairing.proof",
}


# Blueprints that check their bodies' types themselves: OTLP takes protobuf too.
OWN_BODY_TYPES = {"otlp"}


def cookie_name(port):
    """The dashboard cookie's name: one per port, since cookies ignore ports."""
    return f"candor_login_{port}"


# --- the token -------------------------------------------------------------------

def token_path(data_dir):
    """Where the token lives in `data_dir`."""
    return Path(data_dir) / TOKEN_FILE


def read_token(data_dir):
    """The current token, creating it on first use."""
    path = token_path(data_dir)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return rotate_token(data_dir)


def rotate_token(data_dir):
    """Replace the token with a new random one (256 bits) and return it."""
    token = secrets.token_urlsafe(32)
    write_private(token_path(data_dir), token)
    return token


def write_private(path, secret):
    """Write a secret and a newline to `path`, readable by its owner only (0600), whole or
    not at all (a file beside it, then renamed over it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def current_token(app=None):
    """The token, re-read when its file changes (so `candor token --rotate` applies at once)."""
    app = app or current_app
    cached = app.extensions["candor_token"]
    try:
        stamp = os.stat(cached["path"]).st_mtime_ns
    except FileNotFoundError:
        stamp = None
    if stamp is None or cached["stamp"] != stamp:
        token = read_token(app.config["DATA_DIR"])
        if cached["token"] is not None and token != cached["token"]:
            # Rotated behind our back (the CLI revokes too): every login ends.
            logins.revoke_all(app.config["DATA_DIR"])
        cached["token"] = token
        cached["stamp"] = os.stat(cached["path"]).st_mtime_ns
    return cached["token"]


def proof(token, nonce):
    """HMAC-SHA256 of `nonce` under `token`, in hex: shows a client this server knows it."""
    return hmac.new(token.encode(), nonce.encode(), "sha256").hexdigest()


def token_matches(candidate, app=None):
    """Whether `candidate` is the current token (constant-time)."""
    return isinstance(candidate, str) and hmac.compare_digest(
        candidate.encode(), current_token(app).encode()
    )


def _bearer_matches(header, app=None):
    """Whether an Authorization header carries the current token."""
    scheme, _, credentials = header.partition(" ")
    return scheme.lower() == "bearer" and token_matches(credentials.strip(), app)


def _cookie_may_count():
    """Whether the browser marks this request as our own page's, or as the user's own.

    A missing header is refused: every browser Candor supports sends it, and a
    replayed cookie (curl, another process) comes without it.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site == "same-origin":
        return True
    return (site == "none" and request.method == "GET" and request.blueprint == "web"
            and request.headers.get("Sec-Fetch-Mode") == "navigate")


def _authenticated():
    """Whether the request carries the token, or a live dashboard login the browser vouches for."""
    header = request.headers.get("Authorization", "")
    if header:
        return _bearer_matches(header)
    secret = request.cookies.get(cookie_name(current_app.config["PORT"]))
    if secret is None or not _cookie_may_count():
        return False
    current_token()  # notices a rotated token, which ends every login
    g.login_id = logins.check_login(current_app.config["DATA_DIR"], secret)
    return g.login_id is not None


# --- the checks ------------------------------------------------------------------

def allowed_hosts(port):
    """Host header values this server answers to."""
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:
        hosts.update(LOOPBACK_NAMES)
    return hosts


def _paths_as_sent(environ):
    """The request's path as the server saw it, and as the client wrote it.

    (Servers tidy PATH_INFO: waitress drops a leading '//', which REQUEST_URI keeps.)
    """
    yield environ.get("PATH_INFO", "")
    for key in ("REQUEST_URI", "RAW_URI"):
        if key in environ:
            path = environ[key].split("?", 1)[0]
            if "://" in path.split("/", 1)[0]:  # absolute form: http://host/path
                path = "/" + path.split("://", 1)[1].partition("/")[2]
            yield path


def _origin_allowed(origin, host):
    """An Origin header (None when not sent) from this server's own pages or an extension."""
    return origin is None or origin == f"http://{host.lower()}" or bool(
        EXTENSION_ORIGIN.match(origin))


def passes_by_token(environ, app):
    """Whether a request passes every check below (_check_request) on its token alone.

    The hot path (POST /api/v1/events, see api/events.py) answers such requests below
    Flask. It asks for the strictest case only (the Bearer token, a JSON body): a
    request this refuses goes through Flask, which checks it all again and answers it.
    """
    host = environ.get("HTTP_HOST", "")
    return (not any("//" in path for path in _paths_as_sent(environ))
            and host.lower() in app.extensions["candor_hosts"]
            and _origin_allowed(environ.get("HTTP_ORIGIN"), host)
            and _bearer_matches(environ.get("HTTP_AUTHORIZATION", ""), app)
            and environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
            == "application/json")


def _check_request():
    if any("//" in path for path in _paths_as_sent(request.environ)):
        # Flask would redirect to the path without the empty segment: a client
        # must learn its URL is wrong, not be sent elsewhere.
        abort(404, message="No such address: the path has an empty segment ('//').")
    host = request.headers.get("Host", "")
    if host.lower() not in current_app.extensions["candor_hosts"]:
        abort(403, message="Host not allowed: Candor answers only to its own address.")

    if not _origin_allowed(request.headers.get("Origin"), host):
        abort(403, message="Origin not allowed: only Candor's own pages and the extension.")

    g.login_id = None
    g.authenticated = _authenticated()
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no credentials and changes nothing
    if request.endpoint is None:
        return  # no route: nothing will run, the 404/405 follows
    if request.endpoint not in PUBLIC_ENDPOINTS and not g.authenticated:
        abort(401, message="Missing or wrong token: send 'Authorization: Bearer <token>' "
                           "(see `candor token`).")

    if (request.method in ("POST", "PUT", "PATCH") and request.mimetype != "application/json"
            and request.blueprint not in OWN_BODY_TYPES):
        abort(415, message="Send the body as JSON (Content-Type: application/json).")


HARDENING_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    # Inline styles only: the charts' SVG carries its own <style>. No inline script.
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; frame-ancestors 'none'; "
                               "form-action 'self'; base-uri 'none'",
}


class Hardened:
    """WSGI middleware putting HARDENING_HEADERS on every response, errors and files included.

    (Cheaper than setting them on each Flask response object, and nothing can skip it.)
    Ours replace any the response set (static files come with their own Cache-Control).
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.extra = list(HARDENING_HEADERS.items())
        self.names = {name.lower() for name in HARDENING_HEADERS}

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [h for h in headers if h[0].lower() not in self.names] + self.extra
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app):
    """Install the checks on every request, and CORS for extension origins on /api/v1."""
    app.extensions["candor_hosts"] = allowed_hosts(app.config["PORT"])
    app.extensions["candor_token"] = {
        "path": str(token_path(app.config["DATA_DIR"])), "stamp": None, "token": None}
    with app.app_context():
        current_token()  # create the token at start, not on the first request
    app.before_request(_check_request)
    CORS(
        app,
        resources={r"/api/v1/*": {"origins": [EXTENSION_ORIGIN]}},
        allow_headers=["Authorization", "Content-Type"],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
