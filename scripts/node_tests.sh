#!/usr/bin/env bash
# Run the extension's unit tests with Node's test runner (default: tests/extension/*.test.js).
# Where CI is set (to anything but 0, false or no), a skipped or todo test fails the run,
# as a skipped pytest test does (tests/conftest.py): node --test itself passes them.
#
#   bash scripts/node_tests.sh [FILE_OR_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Files, not a folder: Node.js 21 and later take each argument as a file or a glob.
[ $# -gt 0 ] || set -- tests/extension/*.test.js
tap="$(mktemp)"
trap 'rm -f "$tap"' EXIT

# Readable output on the terminal, TAP in a file for the counts.
node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"

case "$(printf %s "${CI:-}" | tr '[:upper:]' '[:lower:]')" in
    "" | 0 | false | no) exit 0 ;;
esac
not_run="$(grep -E '^# (skipped|todo) [1-9]' "$tap" || true)"
if [ -n "$not_run" ]; then
    echo "CI is set, and some node tests did not run:" >&2
    grep -E '^ *(not )?ok .* # (SKIP|TODO)' "$tap" >&2 || true
    echo "$not_run" >&2
    exit 1
fi
