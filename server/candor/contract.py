"""The event contract shared with the extension, read from contract.json (one source of truth).

Event types and the fields each carries, the limits, the known sites (label, hosts,
adapter) and the signal names. The extension gets the same facts from
extension/lib/contract.js and its manifest, which scripts/contract.py writes from
the same file; tests/test_contract.py fails when they differ.
"""

import json
from importlib import resources

CONTRACT = json.loads(resources.files(__package__).joinpath("contract.json").read_text("utf-8"))

EVENT_TYPES = tuple(CONTRACT["event_types"])
# Which optional fields each event type may carry (the context fields: any type).
TYPE_FIELDS = {kind: tuple(names) for kind, names in CONTRACT["event_types"].items()}
REQUIRED_FIELDS = {kind: tuple(names) for kind, names in CONTRACT["required_fields"].items()}
FIELD_KINDS = dict(CONTRACT["field_kinds"])
CONTEXT_FIELDS = tuple(CONTRACT["context_fields"])
# How an event's est_tokens was counted (the values of its `tokenizer` field).
TOKENIZERS = tuple(CONTRACT["tokenizers"])

LIMITS = CONTRACT["limits"]
MAX_BATCH = LIMITS["batch"]
MAX_COUNT = LIMITS["count"]
MAX_ACTIVE_MS = LIMITS["active_ms"]
MAX_LENGTHS = dict(LIMITS["length"])
CLIENT_MAX_LENGTHS = dict(LIMITS["client_length"])
# The batch's `client` object: who sent it, how many events it still holds to send, and
# whether it keeps conversation titles.
CLIENT_FIELDS = dict(CONTRACT["client_fields"])

SITES = tuple(CONTRACT["sites"])
KNOWN_SITES = tuple(entry["site"] for entry in SITES)
SITE_LABELS = {entry["site"]: entry["label"] for entry in SITES}
# Agents whose usage logs Candor reads (not the extension's: no hosts, no adapter).
AGENT_SITES = tuple(CONTRACT["agent_sites"])
AGENT_SITE_LABELS = {entry["site"]: entry["label"] for entry in AGENT_SITES}

SIGNALS = tuple(CONTRACT["signals"])


def site_name(site):
    """A site as people name it: "ChatGPT", "Claude Code", a custom site's host, an agent's."""
    site = str(site or "")
    if site in SITE_LABELS:
        return SITE_LABELS[site]
    if site in AGENT_SITE_LABELS:
        return AGENT_SITE_LABELS[site]
    for prefix in ("custom:", "otel:"):
        if site.startswith(prefix):
            return site[len(prefix):]
    return site
