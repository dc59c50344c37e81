"""scripts/vendor.py copies exactly what the o200k tokenizer needs into extension/vendor/."""

import runpy
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
vendor = runpy.run_path(str(ROOT / "scripts" / "vendor.py"))


def test_the_copy_holds_the_o200k_modules_their_imports_and_the_licence(tmp_path):
    files = vendor["expected"]()
    assert vendor["ENTRY"] in files
    assert "esm/bpeRanks/o200k_base.js" in files
    assert "LICENSE" in files and b"MIT License" in files["LICENSE"]
    # Only o200k's table: the other encodings' would add megabytes for nothing.
    assert not any(name.startswith("esm/bpeRanks/") and "o200k" not in name for name in files)
    assert not any(name.endswith((".map", ".d.ts")) for name in files)
    # Every relative import of every copied module is copied too (the module graph closes).
    vendor["write"](files, tmp_path)
    for name in files:
        if name.endswith(".js"):
            for spec in vendor["_IMPORT"].findall((tmp_path / name).read_text("utf-8")):
                assert vendor["_normal"](f"{Path(name).parent.as_posix()}/{spec}") in files, spec


def test_the_copy_loads_and_counts_in_node(tmp_path):
    vendor["write"](vendor["expected"](), tmp_path)
    entry = (tmp_path / vendor["ENTRY"]).as_uri()
    done = subprocess.run(
        ["node", "--input-type=module", "-e",
         f'import {{ countTokens }} from "{entry}"; process.stdout.write(String('
         'countTokens("吾輩は猫である。名前はまだ無い。")))'],
        capture_output=True, text=True, timeout=60, check=True)
    assert int(done.stdout) > 0


def test_the_vendor_folder_is_not_part_of_the_repository():
    ignored = subprocess.run(["git", "check-ignore", "-q", "extension/vendor/gpt-tokenizer/LICENSE"],
                             cwd=ROOT, check=False)
    assert ignored.returncode == 0


def test_check_says_when_the_copy_is_missing_or_stale(tmp_path):
    main, target = vendor["main"], tmp_path / "vendor"
    assert main(["--check"], target) == 1
    assert main([], target) == 0
    assert main(["--check"], target) == 0
    (target / "LICENSE").write_text("changed")
    assert main(["--check"], target) == 1
    assert main([], target) == 0
    assert (target / "LICENSE").read_bytes() == vendor["expected"]()["LICENSE"]
