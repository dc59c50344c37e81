"""Guard a server that every web page on this machine can reach.

Checks run before anything is read or written, in this order:
1. Host must be this server's own (127.0.0.1, localhost or [::1] with its port):
   a DNS-rebinding page sends its own host name.
2. Origin, when sent, must be this server's own origin or a browser extension.
3. Every endpoint needs the token (Bearer header or the dashboard's cookie) unless
   it is listed as public. The check keys on the routed endpoint, never on the
   path, so `//api/v1/...`, `..` or encoded slashes cannot route around it.
4. A request body must be declared JSON (a web page's form or text/plain post is not).
"""

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from flask import current_app, g, request
from flask_cors import CORS
from flask_smorest import abort

TOKEN_FILE = "token"
COOKIE_NAME = "candor_session"
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension)://[A-Za-z0-9._-]+$")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

# Endpoints anyone on this machine may call without the token. Everything else
# needs it: a new endpoint is private until someone decides otherwise.
PUBLIC_ENDPOINTS = {"health.health", "api-docs.openapi_json", "web.index", "web.static"}


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
    path = token_path(data_dir)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return token


def _current_token():
    """The token, re-read when its file changes (so `candor token --rotate` applies at once)."""
    cached = current_app.extensions["candor_token"]
    try:
        stamp = os.stat(cached["path"]).st_mtime_ns
    except FileNotFoundError:
        stamp = None
    if stamp is None or cached["stamp"] != stamp:
        cached["token"] = read_token(current_app.config["DATA_DIR"])
        cached["stamp"] = os.stat(cached["path"]).st_mtime_ns
    return cached["token"]


def cookie_value(token):
    """The dashboard cookie for `token`: derived from it, so rotating the token logs out."""
    return hmac.new(token.encode(), b"candor dashboard cookie", hashlib.sha256).hexdigest()


def token_matches(candidate):
    """Whether `candidate` is the current token (constant-time)."""
    return isinstance(candidate, str) and hmac.compare_digest(
        candidate.encode(), _current_token().encode()
    )


def _authenticated():
    """Whether the request carries the token or the dashboard cookie.

    The cookie is only honoured for requests the browser marks as coming from
    our own pages (Sec-Fetch-Site), so another server on localhost, which counts
    as the same site for SameSite cookies, cannot ride on it.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        return scheme.lower() == "bearer" and token_matches(credentials.strip())
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie is None:
        return False
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    return hmac.compare_digest(cookie.encode(), cookie_value(_current_token()).encode())


# --- the checks ------------------------------------------------------------------

def allowed_hosts(port):
    """Host header values this server answers to."""
    hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:
        hosts.update(LOOPBACK_NAMES)
    return hosts


def _check_request():
    host = request.headers.get("Host", "")
    if host.lower() not in current_app.extensions["candor_hosts"]:
        abort(403, message="Host not allowed: Candor answers only to its own address.")

    origin = request.headers.get("Origin")
    if origin is not None and origin != f"http://{host.lower()}" and not (
        EXTENSION_ORIGIN.match(origin)
    ):
        abort(403, message="Origin not allowed: only Candor's own pages and the extension.")

    g.authenticated = _authenticated()
    if request.method == "OPTIONS":
        return  # a CORS preflight carries no credentials and changes nothing
    if request.endpoint is None:
        return  # no route: nothing will run, the 404/405 follows
    if request.endpoint not in PUBLIC_ENDPOINTS and not g.authenticated:
        abort(401, message="Missing or wrong token: send 'Authorization: Bearer <token>' "
                           "(see `candor token`).")

    if request.method in ("POST", "PUT", "PATCH") and request.mimetype != "application/json":
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


class _Hardened:
    """WSGI middleware adding HARDENING_HEADERS to every response, errors included.

    (Cheaper than setting them on each Flask response object, and nothing can skip it.)
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.extra = list(HARDENING_HEADERS.items())
        self.names = {name.lower() for name in HARDENING_HEADERS}

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            if not self.names.intersection(name.lower() for name, _ in headers):
                headers = headers + self.extra
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def init_app(app):
    """Install the checks on every request, and CORS for extension origins on /api/v1."""
    app.extensions["candor_hosts"] = allowed_hosts(app.config["PORT"])
    app.extensions["candor_token"] = {
        "path": str(token_path(app.config["DATA_DIR"])), "stamp": None, "token": None}
    with app.app_context():
        _current_token()  # create the token at start, not on the first request
    app.before_request(_check_request)
    app.wsgi_app = _Hardened(app.wsgi_app)
    CORS(
        app,
        resources={r"/api/v1/*": {"origins": [EXTENSION_ORIGIN]}},
        allow_headers=["Authorization", "Content-Type"],
        methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        max_age=600,
    )
