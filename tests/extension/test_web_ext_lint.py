"""The extension passes Firefox's add-on linter (web-ext lint) without errors."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB_EXT = ROOT / "node_modules" / ".bin" / "web-ext"


@pytest.mark.skipif(not WEB_EXT.exists() or not shutil.which("node"),
                    reason="web-ext is installed by `npm ci` (scripts/test.sh does it)")
def test_web_ext_lint_finds_no_errors():
    done = subprocess.run([str(WEB_EXT), "lint", "--source-dir", str(ROOT / "extension"),
                           "--output", "json"], capture_output=True, text=True, timeout=180)
    report = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    assert report["summary"]["errors"] == 0
