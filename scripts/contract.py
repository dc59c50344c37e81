#!/usr/bin/env python3
"""Write the extension's copy of the event contract from server/candor/contract.json.

The server reads contract.json itself. The extension loads unpacked with no build
step, so it gets a checked-in ES module, extension/lib/contract.js, and its
manifest's host lists (host_permissions and the content script's matches) are
rewritten from the contract's sites. Run this after changing contract.json;
tests/test_contract.py fails until the written files match.

    python3 scripts/contract.py          # write extension/lib/contract.js and the manifest
    python3 scripts/contract.py --check  # exit 1 (and say which) if either is out of date
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "server" / "candor" / "contract.json"
CONTRACT_JS = ROOT / "extension" / "lib" / "contract.js"
MANIFEST = ROOT / "extension" / "manifest.json"

# The local Candor server: the extension talks to it, and pairs on its /connect page.
SERVER_HOST_PERMISSIONS = ["http://127.0.0.1/*", "http://localhost/*"]
SERVER_CONNECT_MATCHES = ["http://127.0.0.1/connect*", "http://localhost/connect*"]
CONTENT_SCRIPT = "content.js"

_HEADER = """\
// The event contract shared with the server: event types and the fields each carries,
// limits, the known sites (label, hosts, adapter) and the signal names.
// WRITTEN BY scripts/contract.py FROM server/candor/contract.json: edit that file, then
// run `python3 scripts/contract.py` (tests/test_contract.py checks this file is current).
"""

_EXPORTS = (  # (name, doc, how to read it from the contract)
    ("EVENT_TYPES", "Event types the server accepts.", lambda c: list(c["event_types"])),
    ("FIELDS_BY_TYPE", "The typed fields each event type may carry.",
     lambda c: c["event_types"]),
    ("REQUIRED_FIELDS", "Typed fields an event type must carry.",
     lambda c: c["required_fields"]),
    ("FIELD_KINDS", "What each typed field holds: count, active_ms, fingerprint or tokenizer.",
     lambda c: c["field_kinds"]),
    ("TOKENIZERS", "How est_tokens was counted: o200k (a real tokenizer) or chars/4.",
     lambda c: c["tokenizers"]),
    ("CONTEXT_FIELDS", "Fields any event may carry, if the user's settings allow.",
     lambda c: c["context_fields"]),
    ("LIMITS", "The server's bounds: events per batch, counts, active_ms, string lengths.",
     lambda c: c["limits"]),
    ("CLIENT_FIELDS",
     "The batch's client object: its fields and what each holds (text, count, flag).",
     lambda c: c["client_fields"]),
    ("SITES", "Known sites, in the order the options page lists them.", lambda c: c["sites"]),
    ("SIGNALS", "Names of the signals the server may suggest on a session.",
     lambda c: c["signals"]),
)


def load(path=CONTRACT):
    """The contract as a dict."""
    return json.loads(Path(path).read_text("utf-8"))


def _js_value(value):
    """A JSON value as JavaScript; a list of objects gets one line per object."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        items = "".join(f"  {json.dumps(v, ensure_ascii=False)},\n" for v in value)
        return f"[\n{items}]"
    return json.dumps(value, ensure_ascii=False)


def render_js(contract):
    """The text of extension/lib/contract.js for `contract`."""
    parts = [_HEADER, "\nconst freeze = (value) => {\n"
             "  if (value && typeof value === \"object\") {\n"
             "    Object.values(value).forEach(freeze);\n"
             "    Object.freeze(value);\n"
             "  }\n"
             "  return value;\n"
             "};\n"]
    for name, doc, read in _EXPORTS:
        value = _js_value(read(contract))
        parts.append(f"\n/** {doc} */\nexport const {name} = freeze({value});\n")
    return "".join(parts)


def site_patterns(contract):
    """The https match patterns of every known site's hosts, in contract order."""
    return [f"https://{host}/*" for entry in contract["sites"] for host in entry["hosts"]]


def render_manifest(contract, manifest):
    """`manifest` (a dict) with its host lists rewritten from the contract's sites."""
    manifest = json.loads(json.dumps(manifest))
    patterns = site_patterns(contract)
    manifest["host_permissions"] = patterns + SERVER_HOST_PERMISSIONS
    scripts = [s for s in manifest["content_scripts"] if CONTENT_SCRIPT in s.get("js", [])]
    if len(scripts) != 1:
        raise SystemExit(f"manifest.json: expected one content script running {CONTENT_SCRIPT}")
    scripts[0]["matches"] = patterns + SERVER_CONNECT_MATCHES
    return manifest


def manifest_text(manifest):
    """The manifest as the file holds it (two-space indents, a final newline)."""
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def expected_files(contract_path=CONTRACT, manifest_path=MANIFEST):
    """{path: text} of every file written from the contract."""
    contract = load(contract_path)
    manifest = json.loads(Path(manifest_path).read_text("utf-8"))
    return {CONTRACT_JS: render_js(contract),
            Path(manifest_path): manifest_text(render_manifest(contract, manifest))}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="Change nothing; exit 1 if a written file is out of date.")
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_files().items():
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(text, "utf-8")
    if args.check and stale:
        print("out of date (run python3 scripts/contract.py): "
              + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
