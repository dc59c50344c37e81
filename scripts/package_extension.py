#!/usr/bin/env python3
"""Build the store packages of the Candor extension: one zip for the Chrome Web Store and
one for Firefox add-ons, in dist/ (or the folder given with --out).

The source manifest serves both browsers (a service worker for Chromium, background
scripts for Firefox). Each package gets a manifest trimmed to what its store reads, so
neither store warns about the other browser's keys. The zips are reproducible: same
sources, same bytes. The tokenizer is copied from node_modules into extension/vendor/
first (scripts/vendor.py): a package without it would only estimate tokens.

    python3 scripts/package_extension.py [--out DIR]
"""

import argparse
import json
import runpy
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
vendor = runpy.run_path(str(ROOT / "scripts" / "vendor.py"))
SOURCE = ROOT / "extension"
# Files that are for developers, not for users' browsers.
LEFT_OUT = {"README.md", "package.json"}
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def manifest_for(browser, manifest):
    """The manifest as the given store expects it."""
    trimmed = json.loads(json.dumps(manifest))
    background = trimmed["background"]
    if browser == "chrome":
        background.pop("scripts", None)
        trimmed.pop("browser_specific_settings", None)
    else:
        background.pop("service_worker", None)
        # Firefox counts in its background page; it has no offscreen documents.
        trimmed["permissions"] = [p for p in trimmed["permissions"] if p != "offscreen"]
    return trimmed


def package_files():
    """The extension's files, relative to extension/, in a stable order."""
    return sorted(
        path.relative_to(SOURCE)
        for path in SOURCE.rglob("*")
        if path.is_file() and path.name not in LEFT_OUT and not path.name.startswith(".")
    )


def write_zip(target, manifest):
    """Write one store package with `manifest` in place of the source manifest."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in package_files():
            data = (
                (json.dumps(manifest, indent=2) + "\n").encode()
                if str(relative) == "manifest.json"
                else (SOURCE / relative).read_bytes()
            )
            info = zipfile.ZipInfo(str(relative), date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def build(out_dir):
    """Build both packages into `out_dir`; returns their paths."""
    vendor["main"]([])  # the tokenizer, fresh from node_modules
    manifest = json.loads((SOURCE / "manifest.json").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for browser in ("chrome", "firefox"):
        target = out_dir / f"candor-{browser}-{manifest['version']}.zip"
        write_zip(target, manifest_for(browser, manifest))
        built.append(target)
    return built


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)"
    )
    for path in build(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
