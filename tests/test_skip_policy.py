"""Where CI is set, a skipped test fails the run and says why; elsewhere a skip is a skip."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

SKIPPING_TESTS = '''
import pytest

def test_that_runs():
    pass

@pytest.mark.skip(reason="needs the moon")
def test_marked_skip():
    pass

@pytest.mark.skipif(True, reason="needs /usr/bin/telescope")
def test_skipif():
    pass

def test_skip_inside():
    pytest.skip("port 5765 is taken")

@pytest.fixture
def tool():
    pytest.skip("no tool installed")

def test_fixture_skips(tool):
    pass

@pytest.mark.xfail(reason="a known bug")
def test_expected_failure():
    assert False
'''

SKIPPED_MODULE = '''
import pytest

pytest.skip("no browser on this machine", allow_module_level=True)

def test_never_collected():
    pass
'''


def run_pytest(tmp_path, files, ci):
    """Run pytest with this suite's conftest as a plugin on `files`; CI=`ci` unless None."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-rA",
         *files],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("ci", [None, "false"])
def test_without_ci_a_skip_is_a_skip(tmp_path, ci):
    run = run_pytest(tmp_path, {"test_skips.py": SKIPPING_TESTS}, ci)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 4 skipped, 1 xfailed" in run.stdout


@pytest.mark.parametrize("ci", ["true", "1"])
def test_under_ci_each_skip_fails_with_its_reason(tmp_path, ci):
    run = run_pytest(tmp_path, {"test_skips.py": SKIPPING_TESTS}, ci)
    assert run.returncode == 1, run.stdout + run.stderr
    for reason in ("needs the moon", "needs /usr/bin/telescope", "port 5765 is taken",
                   "no tool installed"):
        assert reason in run.stdout
    summary = run.stdout.strip().splitlines()[-1]
    assert "skipped" not in summary and "1 passed" in summary and "1 xfailed" in summary
    # Skips before the test body (markers, fixtures) show as errors, the others as failures.
    assert "1 failed" in summary and "3 errors" in summary


def test_under_ci_a_module_skipped_as_a_whole_fails_the_run(tmp_path):
    files = {"test_skipped_module.py": SKIPPED_MODULE, "test_fine.py": "def test_ok():\n    pass\n"}
    run = run_pytest(tmp_path, files, "true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "test_skipped_module.py: no browser on this machine" in run.stdout
    assert "1 passed" in run.stdout, "the other modules still ran"
    assert run_pytest(tmp_path, files, None).returncode == 0


NODE_TESTS = '''
import test from "node:test";

test("runs", () => {});
test("skipped", { skip: "needs the moon" }, () => {});
test("inside", (t) => t.skip("port 5765 is taken"));
test("to write", { todo: "a test for later" }, () => {});
'''


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (scripts/test.sh installs it)")
@pytest.mark.parametrize("ci", [None, "true"])
def test_node_tests_fail_on_skips_and_todos_under_ci_only(tmp_path, ci):
    (tmp_path / "skips.test.mjs").write_text(NODE_TESTS)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    if ci is not None:
        env["CI"] = ci
    run = subprocess.run(
        ["bash", str(TESTS.parent / "scripts" / "node_tests.sh"), str(tmp_path / "skips.test.mjs")],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if ci is None:
        assert run.returncode == 0, run.stdout + run.stderr
    else:
        assert run.returncode == 1, run.stdout + run.stderr
        for reason in ("needs the moon", "port 5765 is taken", "a test for later"):
            assert reason in run.stderr
