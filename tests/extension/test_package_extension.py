"""scripts/package_extension.py builds one zip per store, reproducibly."""

import json
import runpy
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
package = runpy.run_path(str(ROOT / "scripts" / "package_extension.py"))


def manifest_in(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def test_each_store_gets_its_own_manifest_and_all_files(tmp_path):
    chrome, firefox = package["build"](tmp_path)
    assert chrome.name.startswith("candor-chrome-") and firefox.name.startswith("candor-firefox-")
    assert manifest_in(chrome)["background"] == {
        "service_worker": "background.js",
        "type": "module",
    }
    assert "browser_specific_settings" not in manifest_in(chrome)
    assert manifest_in(firefox)["background"] == {"scripts": ["background.js"], "type": "module"}
    assert manifest_in(firefox)["browser_specific_settings"]["gecko"]["id"]
    with zipfile.ZipFile(chrome) as archive:
        names = set(archive.namelist())
    for needed in (
        "background.js",
        "content.js",
        "content/main.js",
        "lib/queue.js",
        "sites/chatgpt.js",
        "popup/popup.html",
        "options/options.html",
        "icons/icon-128.png",
    ):
        assert needed in names
    assert "README.md" not in names


def test_both_packages_carry_the_tokenizer_and_its_licence(tmp_path):
    chrome, firefox = package["build"](tmp_path)
    for path in (chrome, firefox):
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            licence = archive.read("vendor/gpt-tokenizer/LICENSE").decode()
        assert "vendor/gpt-tokenizer/esm/encoding/o200k_base.js" in names
        assert "vendor/gpt-tokenizer/esm/bpeRanks/o200k_base.js" in names
        assert "vendor/gpt-tokenizer/esm/bpeRanks/cl100k_base.js" not in names  # o200k only
        assert "tokenizer/tokenizer.html" in names
        assert "MIT License" in licence
    # Chromium counts in an offscreen document; Firefox, which has none, in its background page.
    assert "offscreen" in manifest_in(chrome)["permissions"]
    assert "offscreen" not in manifest_in(firefox)["permissions"]


def test_the_zips_are_reproducible(tmp_path):
    first = [p.read_bytes() for p in package["build"](tmp_path / "a")]
    second = [p.read_bytes() for p in package["build"](tmp_path / "b")]
    assert first == second
