"""`candor service install|status|uninstall`: Candor started at login, kept running.

Through the real command, with HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR in a temporary
folder: the Linux unit is checked by `systemd-analyze --user verify`, and its own command
line, run as systemd would run it (its environment, its output appended to its log),
serves the journal and logs no secret. These machines run no user systemd, so starting
and stopping the unit through systemctl is not tested here (the README says how); nor
are launchctl and schtasks, but the launchd agent and the Windows task are generated here
from the same pure functions and read back with plistlib and xml.etree.
"""

import os
import plistlib
import re
import shlex
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from support import free_port

from candor import service

SYSTEMCTL_START = ("systemctl --user daemon-reload && systemctl --user enable candor.service && "
                   "systemctl --user restart candor.service")
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


class Machine:
    """A person's machine in a folder: home, config, runtime dir and a data dir."""

    def __init__(self, root, data_dir_name="my journal"):
        self.root = root
        self.home = root / "home"
        self.config = root / "config"
        self.runtime = root / "run"
        self.data_dir = root / data_dir_name
        for folder in (self.home, self.runtime):
            folder.mkdir()
        self.runtime.chmod(0o700)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("CANDOR_PORT", "DBUS_SESSION_BUS_ADDRESS")}
        self.env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.config),
                        XDG_RUNTIME_DIR=str(self.runtime), CANDOR_DATA_DIR=str(self.data_dir))

    @property
    def unit(self):
        return self.config / "systemd" / "user" / "candor.service"

    def run(self, *args, code=0):
        """Run `candor ARGS` here; its output, after checking its exit code."""
        done = subprocess.run([sys.executable, "-m", "candor", *args], env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == code, done.stdout + done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout + done.stderr

    def token(self):
        return self.run("token").strip()


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


def unit_settings(text):
    """A unit file's Key=value lines, as {key: [values]} (comments and sections left out)."""
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def this_candor(port):
    return [sys.executable, "-m", "candor", "serve", "--port", str(port)]


def test_install_writes_a_unit_that_systemd_accepts(machine):
    token = machine.token()
    port = free_port()
    out = machine.run("service", "install", "--port", str(port))

    assert f"Wrote {machine.unit}" in out
    # No user systemd here: it says so, and which command starts it where there is one.
    assert "Not started: systemctl --user cannot reach it" in out
    assert SYSTEMCTL_START in out
    verify = subprocess.run(["systemd-analyze", "--user", "verify", str(machine.unit)],
                            env=machine.env, capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr

    text = machine.unit.read_text()
    settings = unit_settings(text)
    assert shlex.split(settings["ExecStart"][0]) == this_candor(port)
    assert shlex.split(settings["Environment"][0])[0] == f"CANDOR_DATA_DIR={machine.data_dir}"
    assert settings["Restart"] == ["on-failure"]
    assert settings["StandardOutput"] == [f"append:{machine.data_dir}/candor-service.log"]
    assert settings["WantedBy"] == ["default.target"]
    assert token not in text


def test_the_port_comes_from_candor_port_when_not_given(machine):
    port = free_port()
    machine.env["CANDOR_PORT"] = str(port)
    machine.run("service", "install")
    exec_start = unit_settings(machine.unit.read_text())["ExecStart"][0]
    assert shlex.split(exec_start) == this_candor(port)


def test_the_units_command_serves_the_journal_and_logs_no_secret(machine):
    """Run the unit's command line as systemd would; its log holds no token, no link."""
    token = machine.token()
    port = free_port()
    machine.run("service", "install", "--port", str(port))
    settings = unit_settings(machine.unit.read_text())
    env = {k: v for k, v in machine.env.items() if k not in ("CANDOR_DATA_DIR",)}
    env.update(a.split("=", 1) for a in shlex.split(settings["Environment"][0]))
    log = Path(settings["StandardOutput"][0].removeprefix("append:"))
    with open(log, "ab") as out:
        server = subprocess.Popen(shlex.split(settings["ExecStart"][0]), env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the unit's command did not serve within 30 s"
            time.sleep(0.05)

        status = machine.run("service", "status")
        assert f"Running: yes (Candor answers on 127.0.0.1:{port};" in status
        assert f"Log: {log}" in status

        link = machine.run("open", "--port", str(port), "--print-only").splitlines()[-1]
        assert link.startswith(f"http://127.0.0.1:{port}/login?code=")
        logged_in = requests.get(link, headers={"Sec-Fetch-Site": "none"}, timeout=10,
                                 allow_redirects=False)
        assert logged_in.status_code in (302, 303), logged_in.text
        answered = requests.get(f"http://127.0.0.1:{port}/api/v1/sessions", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
        assert answered.ok
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    written = log.read_text()
    assert f"at http://127.0.0.1:{port}/" in written  # the log is where the output went
    code = link.split("code=")[1]
    assert token not in written and code not in written and "login?" not in written


def test_installing_again_replaces_the_unit(machine):
    first, second = free_port(), free_port()
    machine.run("service", "install", "--port", str(first))
    machine.run("service", "install", "--port", str(second))
    exec_start = unit_settings(machine.unit.read_text())["ExecStart"]
    assert [shlex.split(line) for line in exec_start] == [this_candor(second)]
    assert [p.name for p in machine.unit.parent.iterdir()] == ["candor.service"]


def test_dry_run_prints_the_unit_and_the_commands_and_writes_nothing(machine):
    port = free_port()
    out = machine.run("service", "install", "--port", str(port), "--dry-run")
    assert f"Would write {machine.unit}" in out
    assert f"ExecStart={sys.executable} -m candor serve --port {port}" in out
    assert SYSTEMCTL_START in out
    assert "nothing was written" in out
    written = [p for p in machine.root.rglob("*") if p not in (machine.home, machine.runtime)]
    assert written == []


def test_status_install_uninstall_and_uninstall_again(machine):
    port = free_port()
    assert "Candor's service is not installed" in machine.run("service", "status")

    machine.run("service", "install", "--port", str(port))
    status = machine.run("service", "status")
    assert f"Installed: {machine.unit}" in status
    assert f"Running: no (Candor does not answer on 127.0.0.1:{port};" in status
    assert f"Log: {machine.data_dir}/candor-service.log" in status
    assert f"candor open --port {port}" in status

    out = machine.run("service", "uninstall")
    assert f"Removed {machine.unit}" in out
    assert not machine.unit.exists()
    assert "not installed: nothing to remove" in machine.run("service", "uninstall")
    assert "Candor's service is not installed" in machine.run("service", "status")


def test_a_path_the_unit_cannot_carry_is_refused_and_nothing_is_written(tmp_path):
    machine = Machine(tmp_path, data_dir_name='the "journal"')
    out = machine.run("service", "install", code=1)
    assert "Error: The data folder's path" in out and "use a path without them" in out
    assert not machine.unit.parent.exists()


@pytest.mark.parametrize("port", ["abc", "70000"])
def test_a_port_that_is_not_one_is_refused(machine, port):
    machine.env["CANDOR_PORT"] = port
    out = machine.run("service", "install", code=2)
    assert f"Invalid value for CANDOR_PORT: '{port}' is not a port number" in out
    assert "Invalid value for '--port'" in machine.run("service", "install", "--port", port,
                                                       code=2)
    assert not machine.unit.parent.exists()


@pytest.fixture
def spec(machine):
    machine.token()
    return service.Spec(sys.executable, 5899, str(machine.data_dir))


def test_the_launchd_agent_runs_the_same_command_at_load_and_keeps_it_alive(machine, spec):
    path = service.definition_path("macos", spec.data_dir, machine.home, machine.env)
    assert path == machine.home / "Library" / "LaunchAgents" / "local.candor.plist"
    content = service.definition("macos", spec)
    agent = plistlib.loads(content)
    assert agent["Label"] == "local.candor"
    assert agent["ProgramArguments"] == this_candor(5899)
    assert agent["EnvironmentVariables"]["CANDOR_DATA_DIR"] == str(machine.data_dir)
    assert agent["RunAtLoad"] is True
    assert agent["KeepAlive"] == {"SuccessfulExit": False}  # again after a failure only
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] == spec.log
    assert machine.token().encode() not in content
    assert service.start_commands("macos", path, uid=501) == [
        ["launchctl", "bootstrap", "gui/501", str(path)]]


def test_the_windows_task_runs_the_same_command_at_logon(machine, spec):
    content = service.definition("windows", spec, user=r"HOST\ada")
    task = ET.fromstring(content)  # UTF-16 with its byte order mark, as schtasks reads it
    trigger = task.find("t:Triggers/t:LogonTrigger", TASK_NS)
    assert trigger is not None and trigger.findtext("t:UserId", namespaces=TASK_NS) == r"HOST\ada"
    assert task.findtext("t:Settings/t:ExecutionTimeLimit", namespaces=TASK_NS) == "PT0S"
    exec_ = task.find("t:Actions/t:Exec", TASK_NS)
    assert exec_.findtext("t:Command", namespaces=TASK_NS) == "cmd.exe"
    arguments = exec_.findtext("t:Arguments", namespaces=TASK_NS)
    inner = re.fullmatch(r'/d /s /c "(.*)"', arguments).group(1)
    setting, setting_2, command = inner.split(" && ")
    assert setting == f'set "CANDOR_DATA_DIR={machine.data_dir}"'
    assert command == (f'"{sys.executable}" -m candor serve --port 5899 >>"{spec.log}" 2>&1'
                       if " " in sys.executable else
                       f'{sys.executable} -m candor serve --port 5899 >>"{spec.log}" 2>&1')
    assert machine.token().encode("utf-16-le") not in content
    assert service.start_commands("windows", "task.xml")[0] == [
        "schtasks", "/Create", "/TN", "Candor", "/XML", "task.xml", "/F"]


def test_no_generated_file_holds_the_token(machine, spec):
    token = machine.token()
    for platform in service.PLATFORMS:
        content = service.definition(platform, spec, user="ada")
        text = content.decode("utf-16" if platform == "windows" else "utf-8")
        assert token not in text, platform
        assert "login?code" not in text, platform
