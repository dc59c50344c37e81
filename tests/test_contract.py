"""The event contract: contract.json is the one source, and every copy agrees with it.

The server reads server/candor/contract.json; the extension reads lib/contract.js and
its manifest's host lists, written from it by scripts/contract.py. A site known to the
extension but not to the server would have every event rejected (and then deleted by
the extension), so each list either side is checked against the contract here.
"""

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest
from support import batch, event, new_id

from candor import contract, demo, fast_batch, schemas, signals

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
CONTRACT = json.loads((ROOT / "server" / "candor" / "contract.json").read_text("utf-8"))
SITE_KEYS = [entry["site"] for entry in CONTRACT["sites"]]


def _load_script():
    path = ROOT / "scripts" / "contract.py"
    spec = importlib.util.spec_from_file_location("contract_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


def extension_values(expression, imports):
    """The JSON value of `expression` evaluated in Node after `imports` (from extension/)."""
    if shutil.which("node") is None:
        pytest.fail("Node.js is needed to read the extension's modules")
    lines = [f'import {{ {", ".join(names)} }} from "{(EXTENSION / path).as_uri()}";'
             for path, names in imports.items()]
    code = "\n".join(lines) + f"\nprocess.stdout.write(JSON.stringify({expression}));\n"
    done = subprocess.run(["node", "--input-type=module", "-e", code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- the written files are what the script would write ---------------------------------

def test_contract_js_and_manifest_are_written_from_the_contract():
    for path, text in script.expected_files().items():
        assert path.read_text("utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run python3 scripts/contract.py")


def test_a_site_added_to_the_contract_reaches_the_manifest_and_contract_js():
    bigger = json.loads(json.dumps(CONTRACT))
    bigger["sites"].append({"site": "newai", "label": "New AI", "hosts": ["chat.newai.example"],
                            "adapter": "generic"})
    manifest = json.loads((EXTENSION / "manifest.json").read_text("utf-8"))
    written = script.render_manifest(bigger, manifest)
    assert "https://chat.newai.example/*" in written["host_permissions"]
    assert "https://chat.newai.example/*" in written["content_scripts"][0]["matches"]
    # The local server's own entries stay.
    assert "http://127.0.0.1/*" in written["host_permissions"]
    assert "http://127.0.0.1/connect*" in written["content_scripts"][0]["matches"]
    assert '"site": "newai"' in script.render_js(bigger)


def test_the_manifest_lists_exactly_the_contract_hosts_and_the_local_server():
    manifest = json.loads((EXTENSION / "manifest.json").read_text("utf-8"))
    hosts = [f"https://{h}/*" for entry in CONTRACT["sites"] for h in entry["hosts"]]
    assert manifest["host_permissions"] == hosts + script.SERVER_HOST_PERMISSIONS
    [content] = [s for s in manifest["content_scripts"] if "content.js" in s["js"]]
    assert content["matches"] == hosts + script.SERVER_CONNECT_MATCHES


# --- the server's lists ----------------------------------------------------------------

def test_the_server_reads_its_lists_from_the_contract():
    assert list(schemas.KNOWN_SITES) == SITE_KEYS
    assert list(schemas.EVENT_TYPES) == list(CONTRACT["event_types"])
    assert {k: sorted(v) for k, v in schemas.TYPE_FIELDS.items()} == {
        k: sorted(v) for k, v in CONTRACT["event_types"].items()}
    assert schemas.MAX_BATCH == CONTRACT["limits"]["batch"]
    assert schemas.MAX_ACTIVE_MS == CONTRACT["limits"]["active_ms"]
    assert schemas.MAX_COUNT == CONTRACT["limits"]["count"]
    assert schemas.MAX_LENGTHS == CONTRACT["limits"]["length"]
    assert schemas.CLIENT_MAX_LENGTHS == CONTRACT["limits"]["client_length"]
    assert list(signals.NAMES) == CONTRACT["signals"]
    assert list(contract.SIGNALS) == CONTRACT["signals"]


def test_each_event_schema_and_fast_struct_holds_its_types_fields():
    common = {"id", "session_id", "type", "ts", "site", *CONTRACT["context_fields"]}
    structs = fast_batch.EVENT_STRUCTS
    assert list(structs) == list(CONTRACT["event_types"])
    for kind, names in CONTRACT["event_types"].items():
        assert set(schemas.EVENT_SCHEMAS[kind].fields) == common | set(names), kind
        assert set(structs[kind].__struct_fields__) == (common - {"type"}) | set(names), kind
        for name in CONTRACT["required_fields"].get(kind, []):
            assert schemas.EVENT_SCHEMAS[kind].fields[name].required, (kind, name)
            info = {f.name: f for f in msgspec.structs.fields(structs[kind])}
            assert info[name].required, (kind, name)


def test_the_signal_filter_and_the_journal_format_name_the_contract_signals():
    choices = schemas.SessionQuerySchema().fields["signal"].validate.choices
    assert list(choices) == CONTRACT["signals"]
    journal_schema = json.loads(
        (ROOT / "server" / "candor" / "journal.schema.json").read_text("utf-8"))
    names = journal_schema["$defs"]["session_fields"]["properties"]["signals"]["items"][
        "properties"]["name"]["enum"]
    assert names == CONTRACT["signals"]


def test_the_coachs_table_has_a_short_name_for_each_contract_signal():
    # The table counts each signal under its total in a few words; a signal added to the
    # contract needs its words there.
    page = (ROOT / "server" / "candor" / "web" / "templates" / "journals.html").read_text()
    short = re.search(r"{% set short_signals = \{(.*?)\} %}", page).group(1)
    assert re.findall(r'"([a-z_]+)": "', short) == CONTRACT["signals"]


def test_the_demo_uses_every_contract_site_and_no_other():
    demo_sites = [site for site, _, _ in demo.SITES if not site.startswith("custom:")]
    assert demo_sites == SITE_KEYS
    assert set(demo._PROFILES) <= set(SITE_KEYS), "demo profiles for sites the contract lacks"


def test_the_server_accepts_an_event_from_every_contract_site(client):
    events = [event(new_id(), "session_start", site=site) for site in SITE_KEYS]
    answer = client.post("/api/v1/events", json=batch(*events)).json
    assert answer == {"accepted": len(SITE_KEYS), "duplicates": 0, "rejected": []}
    # The slow path agrees (one bad event sends the batch through marshmallow).
    events = [event(new_id(), "session_start", site=site) for site in SITE_KEYS]
    answer = client.post("/api/v1/events", json=batch(*events, {"bad": True})).json
    assert answer["accepted"] == len(SITE_KEYS) and len(answer["rejected"]) == 1


# --- the extension's lists -------------------------------------------------------------

def test_the_extension_modules_hold_the_contract():
    values = extension_values(
        "{sites: KNOWN_SITES, adapters: ADAPTERS, types: EVENT_TYPES, "
        "maxActive: MAX_ACTIVE_MS, batchSize: BATCH_SIZE}",
        {"lib/sites.js": ["KNOWN_SITES"], "lib/pages.js": ["ADAPTERS"],
         "lib/events.js": ["EVENT_TYPES"], "lib/queue.js": ["MAX_ACTIVE_MS"],
         "lib/sync.js": ["BATCH_SIZE"]})
    assert values["sites"] == CONTRACT["sites"]
    assert values["types"] == list(CONTRACT["event_types"])
    assert values["maxActive"] == CONTRACT["limits"]["active_ms"]
    assert values["adapters"] == [e["adapter"] for e in CONTRACT["sites"]
                                  if e["adapter"] != "generic"]
    assert 1 <= values["batchSize"] <= CONTRACT["limits"]["batch"]


def test_events_the_extension_makes_carry_only_the_contract_fields():
    made = extension_values(
        "Object.fromEntries(EVENT_TYPES.map((type) => [type, Object.keys(makeEvent({type, "
        "session: {id: 's', site: 'chatgpt', url: 'https://chatgpt.com/c/1', title: 't'}, "
        "details: {model: 'm', fingerprint: '0123456789abcdef', tokenizer: 'o200k'}, "
        "settings: {sendUrl: true, sendTitle: true}, at: 0, newId: () => 'e'}))]))",
        {"lib/events.js": ["EVENT_TYPES", "makeEvent"]})
    common = {"id", "session_id", "type", "ts", "site"}
    for kind, names in CONTRACT["event_types"].items():
        assert common | set(names) <= set(made[kind]), kind
        assert set(made[kind]) <= common | set(names) | set(CONTRACT["context_fields"]), kind


def _loaders():
    source = (EXTENSION / "content" / "adapters.js").read_text("utf-8")
    return dict(re.findall(r'^\s*([a-z0-9_-]+): \(\) => import\("\.\./sites/([^"]+)"\)',
                           source, re.M))


def test_every_contract_site_has_a_static_loader_or_uses_the_generic_one_deliberately():
    loaders = _loaders()
    assert loaders.get("generic") == "generic.js"
    for entry in CONTRACT["sites"]:
        adapter = entry["adapter"]
        # "generic" in the contract is the deliberate fallback; anything else needs its loader.
        assert adapter in loaders, f"{entry['site']}: no loader for adapter {adapter!r}"
        assert loaders[adapter] == f"{adapter}.js"
        assert (EXTENSION / "sites" / f"{adapter}.js").exists()
    adapters = {e["adapter"] for e in CONTRACT["sites"]} | {"generic"}
    assert set(loaders) <= adapters, f"loaders for no contract site: {set(loaders) - adapters}"


def test_every_site_adapter_module_belongs_to_a_contract_site():
    helpers = {"define.js", "dom.js", "models.js", "generic.js"}  # what adapters are built with
    modules = {p.name for p in (EXTENSION / "sites").glob("*.js")} - helpers
    adapters = {f"{e['adapter']}.js" for e in CONTRACT["sites"]}
    assert modules <= adapters, f"adapters of sites the server doesn't know: {modules - adapters}"
