#!/usr/bin/env bash
# Set up and run every test of Candor on a fresh Debian 12 machine (or a developer's).
# Installs what is missing, once: Debian's chromium, firefox-esr and systemd (for its
# systemd-analyze), Node.js and npm, the Python packages in .venv, the npm packages in
# package-lock.json (web-ext, puppeteer-core, gpt-tokenizer, whose o200k files
# scripts/vendor.py copies into extension/vendor/); then runs the extension's unit tests
# and pytest. On a machine that has it all, it only checks and runs the tests. Where CI is
# set (.ci/run sets it), a skipped test fails.
#
#   bash scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# An install that was interrupted leaves dpkg half done, and apt refuses to go on.
if [ -n "$(dpkg --audit 2>/dev/null)" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive dpkg --configure -a
fi

# The browser tests drive these exact paths; another `chromium` on the PATH won't do.
debs=()
[ -x /usr/bin/chromium ] || debs+=(chromium)
[ -x /usr/bin/firefox-esr ] || debs+=(firefox-esr)
# `candor service install`'s unit is checked with systemd-analyze (no systemd needs to run).
command -v systemd-analyze >/dev/null 2>&1 || debs+=(systemd)
command -v node >/dev/null 2>&1 || debs+=(nodejs)
command -v npm >/dev/null 2>&1 || debs+=(npm)
command -v python3 >/dev/null 2>&1 || debs+=(python3)
[ -x .venv/bin/python ] || python3 -c "import ensurepip" 2>/dev/null || debs+=(python3-venv)
if [ ${#debs[@]} -gt 0 ]; then
    echo "Installing ${debs[*]} (apt)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" >/dev/null
fi

# The extension's unit tests use what browsers have and Node.js only has from 20 on
# (a global crypto, CustomEvent, String.prototype.isWellFormed). Debian 12's Node.js
# is 18: then a Node.js 22 comes from the npm registry, into .node/, once.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    if [ ! -x .node/node_modules/.bin/node ]; then
        echo "Installing Node.js 22 in .node/ (npm)"
        npm install --prefix .node --no-save --no-package-lock --no-audit --no-fund \
            --loglevel=error node@22
    fi
    export PATH="$PWD/.node/node_modules/.bin:$PATH"
fi

# Reinstall only when what pins the packages changed since the last install.
installed() { [ -f "$1" ] && [ "$(cat "$1")" = "$(sha256sum "$2")" ]; }

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! installed .venv/.installed-from pyproject.toml; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
    sha256sum pyproject.toml >.venv/.installed-from
fi
if ! installed node_modules/.installed-from package-lock.json; then
    npm ci --no-audit --no-fund --loglevel=error
    sha256sum package-lock.json >node_modules/.installed-from
fi
# The extension's tokenizer (o200k, from node_modules) goes into extension/vendor/.
python3 scripts/vendor.py

bash scripts/node_tests.sh
.venv/bin/python -m pytest "$@"
