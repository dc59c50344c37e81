#!/usr/bin/env python3
"""Copy the o200k tokenizer from node_modules into the extension (extension/vendor/).

The extension has no build step and counts tokens with the npm package gpt-tokenizer
(MIT), o200k_base encoding. This copies exactly the ES modules that the o200k encoding
imports (followed from its entry module), plus the package's licence, into
extension/vendor/gpt-tokenizer/, keeping their layout so their relative imports hold.
The folder is git-ignored: run this after `npm ci` (scripts/test.sh and
scripts/package_extension.py do). Without it the extension estimates tokens as
characters / 4 and says so on each event.

    python3 scripts/vendor.py          # copy (replacing an older copy)
    python3 scripts/vendor.py --check  # exit 1 if the copy is missing or out of date
"""

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "node_modules" / "gpt-tokenizer"
TARGET = ROOT / "extension" / "vendor" / "gpt-tokenizer"
# The module the extension imports; everything it needs is found from here.
ENTRY = "esm/encoding/o200k_base.js"
LICENCE = "LICENSE"

# Static imports and re-exports: `import x from "./a.js"`, `import "./a.js"`,
# `export { x } from "./a.js"`. (The package's ES modules use no dynamic import.)
_IMPORT = re.compile(r'(?:^|[;\s])(?:import|export)\s*(?:[^"\';]*?\sfrom\s*)?["\'](\.{1,2}/[^"\']+)["\']',
                     re.M)


def needed_files(package=PACKAGE, entry=ENTRY):
    """The entry module and every module it imports, transitively, relative to `package`."""
    seen, todo = set(), [entry]
    while todo:
        relative = todo.pop()
        if relative in seen:
            continue
        seen.add(relative)
        source = (package / relative).read_text("utf-8")
        for spec in _IMPORT.findall(source):
            todo.append(_normal(f"{Path(relative).parent.as_posix()}/{spec}"))
    return sorted(seen)


def _normal(path):
    """A relative path with its "." and ".." steps resolved ("a/../b/./c.js" is "b/c.js")."""
    out = []
    for part in path.split("/"):
        if part == "..":
            out.pop()
        elif part not in (".", ""):
            out.append(part)
    return "/".join(out)


def expected(package=PACKAGE):
    """{relative path: bytes} of what the vendor folder holds."""
    if not (package / ENTRY).exists():
        raise SystemExit(f"{package.relative_to(ROOT)} is missing: run `npm ci` first")
    files = {p: (package / p).read_bytes() for p in needed_files(package)}
    files[LICENCE] = (package / LICENCE).read_bytes()
    version = json.loads((package / "package.json").read_text("utf-8"))["version"]
    files["VERSION"] = f"gpt-tokenizer {version}\n".encode()
    return files


def current(target=TARGET):
    """{relative path: bytes} of what the vendor folder holds now."""
    if not target.exists():
        return {}
    return {p.relative_to(target).as_posix(): p.read_bytes()
            for p in target.rglob("*") if p.is_file()}


def write(files, target=TARGET):
    """Replace the vendor folder with `files`."""
    if target.exists():
        shutil.rmtree(target)
    for relative, data in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main(argv=None, target=TARGET):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="Change nothing; exit 1 if the copy is missing or out of date.")
    args = parser.parse_args(argv)
    files = expected()
    if current(target) == files:
        return 0
    if args.check:
        print("extension/vendor/ is missing or out of date (run python3 scripts/vendor.py)",
              file=sys.stderr)
        return 1
    write(files, target)
    size = sum(map(len, files.values()))
    print(f"wrote {target}: {len(files)} files, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
