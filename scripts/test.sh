#!/usr/bin/env bash
# Set up and run every test of Candor on a fresh Debian machine (or a developer's).
# Installs what the tests need: Python packages in .venv, Debian's chromium and
# firefox-esr, Node.js with the npm packages in package-lock.json (web-ext, puppeteer-core);
# then runs the extension's unit tests and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
need_deb() {  # need_deb COMMAND PACKAGE...: install PACKAGEs unless COMMAND works
    if ! command -v "$1" >/dev/null 2>&1; then
        [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
        shift
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
}

need_deb chromium chromium
need_deb firefox-esr firefox-esr
need_deb node nodejs
need_deb npm npm
python3 -m venv --help >/dev/null 2>&1 || need_deb no-such-command python3-venv
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv || { need_deb no-such-command python3-venv; python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

npm ci --no-audit --no-fund --loglevel=error
node --test tests/extension/
.venv/bin/python -m pytest "$@"
