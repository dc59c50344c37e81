"""Always on: Candor started at login and kept running, by the platform's own manager.

A systemd user unit on Linux, a launchd agent on macOS, a scheduled task on Windows.
What each file says is made by pure functions of the platform and a `Spec`, so all three
can be read and checked anywhere; `install`, `status` and `uninstall` then write the file
and ask the platform's tool, answering lines for a person to read.
"""

import os
import plistlib
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

PLATFORMS = ("linux", "macos", "windows")
UNIT_NAME = "candor.service"
LABEL = "local.candor"
TASK_NAME = "Candor"
LOG_NAME = "candor-service.log"
TASK_FILE = "candor-task.xml"
# What each platform's manager is called in messages.
MANAGERS = {"linux": "user systemd", "macos": "launchd", "windows": "Task Scheduler"}


class ServiceError(Exception):
    """Something a person must fix before the service can be installed or removed."""


def platform_of(sys_platform):
    """linux, macos or windows for a `sys.platform` value; None where Candor has no service."""
    if sys_platform.startswith("linux"):
        return "linux"
    if sys_platform == "darwin":
        return "macos"
    if sys_platform in ("win32", "cygwin"):
        return "windows"
    return None


@dataclass(frozen=True)
class Spec:
    """What the service runs: this interpreter's `candor serve` on a port, with a data dir."""

    python: str
    port: int
    data_dir: str

    @property
    def log(self):
        """Where the service's output goes: a file in the data dir."""
        return str(Path(self.data_dir) / LOG_NAME)

    def command(self):
        """The command line, as a list: the same on every platform.

        The data dir goes in the environment (CANDOR_DATA_DIR), as `candor serve` reads it.
        Nothing secret is in either: the server reads its token from the data dir, and
        prints neither the token nor a login link.
        """
        return [self.python, "-m", "candor", "serve", "--port", str(self.port)]


def definition_path(platform, data_dir, home, env):
    """Where the platform's definition of the service is written."""
    if platform == "linux":
        # systemd ignores a relative XDG_CONFIG_HOME, as the XDG spec says to.
        config = env.get("XDG_CONFIG_HOME", "")
        base = Path(config) if os.path.isabs(config) else Path(home) / ".config"
        return base / "systemd" / "user" / UNIT_NAME
    if platform == "macos":
        return Path(home) / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    if platform == "windows":
        # The task itself lives in Task Scheduler; this is the definition handed to it.
        return Path(data_dir) / TASK_FILE
    raise ValueError(f"unknown platform {platform!r}")


def definition(platform, spec, user=None):
    """The file that defines the service on `platform`, as bytes."""
    if platform == "linux":
        return systemd_unit(spec).encode("utf-8")
    if platform == "macos":
        return launchd_plist(spec)
    if platform == "windows":
        return windows_task(spec, user)
    raise ValueError(f"unknown platform {platform!r}")


def _systemd_escape(value):
    """`value` with systemd's specifiers (%) kept literal."""
    return value.replace("%", "%%")


def _systemd_word(arg):
    """One word of an ExecStart= line, quoted where systemd would split it.

    No `$` is doubled: systemd expands variables in arguments, not in the command's name,
    and the arguments here are Candor's own (no `$` in them).
    """
    arg = _systemd_escape(arg)
    return f'"{arg}"' if re.search(r"\s", arg) else arg


# Characters each platform's file cannot carry in a path (systemd refuses quotes and
# backslashes in a command's name; cmd.exe would read " and % itself).
UNSAFE = {"linux": "\"'\\", "macos": "", "windows": '"%'}


def _check_path(spec, platform):
    """Refuse what the platform's file cannot carry, rather than write a broken one."""
    for what, value in (("interpreter", spec.python), ("data folder", spec.data_dir)):
        bad = sorted({c for c in value if c in UNSAFE[platform] or ord(c) < 32})
        if bad:
            raise ServiceError(
                f"The {what}'s path {value!r} holds {' '.join(map(repr, bad))}, which the "
                f"{MANAGERS[platform]} service cannot carry: use a path without them.")


def systemd_unit(spec):
    """The systemd user unit (candor.service) as text."""
    _check_path(spec, "linux")
    data_dir = _systemd_escape(spec.data_dir)
    return f"""\
# Written by `candor service install`; `candor service uninstall` removes it.
[Unit]
Description=Candor: a private journal of your AI-tool sessions

[Service]
Type=simple
Environment="CANDOR_DATA_DIR={data_dir}" PYTHONUNBUFFERED=1
ExecStart={" ".join(_systemd_word(arg) for arg in spec.command())}
Restart=on-failure
# A few seconds between tries: the port held by a `candor serve` in a terminal frees up
# once that one stops, well before systemd would give up.
RestartSec=5
StandardOutput=append:{_systemd_escape(spec.log)}
StandardError=inherit

[Install]
WantedBy=default.target
"""


def launchd_plist(spec):
    """The launchd agent (~/Library/LaunchAgents/local.candor.plist) as bytes."""
    _check_path(spec, "macos")
    return plistlib.dumps({
        "Label": LABEL,
        "ProgramArguments": spec.command(),
        "EnvironmentVariables": {"CANDOR_DATA_DIR": spec.data_dir, "PYTHONUNBUFFERED": "1"},
        "RunAtLoad": True,
        # Started again when it fails, not after a clean stop.
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 5,
        "StandardOutPath": spec.log,
        "StandardErrorPath": spec.log,
    })


def _windows_quote(arg):
    return f'"{arg}"' if re.search(r"[\s&|<>^()]", arg) or not arg else arg


def windows_arguments(spec):
    """cmd.exe's arguments: the data dir set, then the command, its output appended to the log.

    A task cannot set environment variables nor redirect output itself, so cmd.exe does.
    """
    _check_path(spec, "windows")
    line = " ".join(_windows_quote(arg) for arg in spec.command())
    return (f'/d /s /c "set "CANDOR_DATA_DIR={spec.data_dir}" && set PYTHONUNBUFFERED=1 && '
            f'{line} >>"{spec.log}" 2>&1"')


def windows_user(env):
    """The person a logon task is for, as Task Scheduler names them (DOMAIN\\user)."""
    return "\\".join(part for part in (env.get("USERDOMAIN"), env.get("USERNAME")) if part) or None


def windows_task(spec, user=None):
    """The scheduled task's XML definition (UTF-16, as schtasks /Create /XML reads it)."""
    arguments = windows_arguments(spec)
    user_id = f"\n      <UserId>{xml_escape(user)}</UserId>" if user else ""
    text = f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Candor, a private journal of your AI-tool sessions (candor service install)</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>{user_id}
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">{user_id}
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>cmd.exe</Command>
      <Arguments>{xml_escape(arguments)}</Arguments>
      <WorkingDirectory>{xml_escape(spec.data_dir)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""
    return text.encode("utf-16")


def start_commands(platform, path, uid=None):
    """The commands that make the written definition start now and at each login."""
    if platform == "linux":
        # restart, not `enable --now`: over an earlier install, the new port takes effect.
        return [["systemctl", "--user", "daemon-reload"],
                ["systemctl", "--user", "enable", UNIT_NAME],
                ["systemctl", "--user", "restart", UNIT_NAME]]
    if platform == "macos":
        return [["launchctl", "bootstrap", f"gui/{uid}", str(path)]]
    if platform == "windows":
        return [["schtasks", "/Create", "/TN", TASK_NAME, "/XML", str(path), "/F"],
                ["schtasks", "/Run", "/TN", TASK_NAME]]
    raise ValueError(f"unknown platform {platform!r}")


def stop_commands(platform, uid=None):
    """The commands that stop the service and stop it starting at login."""
    if platform == "linux":
        return [["systemctl", "--user", "disable", "--now", UNIT_NAME]]
    if platform == "macos":
        return [["launchctl", "bootout", f"gui/{uid}/{LABEL}"]]
    if platform == "windows":
        return [["schtasks", "/End", "/TN", TASK_NAME],
                ["schtasks", "/Delete", "/TN", TASK_NAME, "/F"]]
    raise ValueError(f"unknown platform {platform!r}")


def shown(commands, platform):
    """Commands as a person types them in the platform's shell, joined with &&."""
    join = (lambda c: subprocess.list2cmdline(c)) if platform == "windows" else shlex.join
    return " && ".join(join(c) for c in commands)


def port_of(text):
    """The port a written definition serves on (None if it names none)."""
    found = re.search(r"--port\W+(\d+)", text)
    return int(found.group(1)) if found else None


# What touches the machine: the platform's tool, and the files.


def _run(command):
    """Run one of the platform's commands; (whether it succeeded, what it said)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, str(error)
    said = (done.stdout.strip() + "\n" + done.stderr.strip()).strip()
    return done.returncode == 0, said


def manager_usable(platform):
    """Whether the platform's tool is here and answers; (usable, why not)."""
    tool = {"linux": "systemctl", "macos": "launchctl", "windows": "schtasks"}[platform]
    if shutil.which(tool) is None:
        return False, f"{tool} is not installed"
    if platform == "linux":
        # systemctl is there on most machines; a user manager to talk to often isn't
        # (containers, some SSH logins, WSL): ask it something harmless.
        ok, said = _run(["systemctl", "--user", "show", "--property=Version"])
        return ok, "" if ok else f"systemctl --user cannot reach it ({said or 'no answer'})"
    return True, ""


def _write_atomic(path, content):
    """Write `content` (bytes) to `path` whole or not at all, readable by its owner's tools."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _installed(platform, path):
    """Whether the service is installed: its file is there (and, on Windows, its task)."""
    if platform == "windows" and shutil.which("schtasks"):
        return _run(["schtasks", "/Query", "/TN", TASK_NAME])[0]
    return path.exists()


def install(platform, spec, path, uid=None, user=None, dry_run=False, serving=None):
    """Write the definition and start it where the platform's tool can; lines to show.

    Where the tool is missing or cannot be reached (no user systemd, as in many containers),
    the written file is the install, and the lines say the command that starts it: that
    succeeds, since the person's next session with a user manager can run the command.
    It fails (ServiceError) when the file cannot be written, or the tool refuses it.
    """
    content = definition(platform, spec, user)
    start = start_commands(platform, path, uid)
    if dry_run:
        text = content.decode("utf-16" if platform == "windows" else "utf-8")
        return [f"Would write {path}:", "", text.rstrip("\n"), "",
                f"Then run: {shown(start, platform)}", "(dry run: nothing was written)"]
    lines = []
    if not path.exists() and serving is not None and serving(spec.port):
        lines.append(f"Candor already answers on 127.0.0.1:{spec.port} (a `candor serve` "
                     "in a terminal?): stop it, or the service cannot take the port.")
    try:
        _write_atomic(path, content)
    except OSError as error:
        raise ServiceError(f"Cannot write {path}: {error.strerror or error}") from None
    lines.append(f"Wrote {path}")
    usable, why = manager_usable(platform)
    if not usable:
        lines.append(f"Not started: {why}. To start Candor now and at each login, run "
                     f"this in a session where {MANAGERS[platform]} runs:")
        lines.append(f"  {shown(start, platform)}")
        return lines
    if platform in ("macos", "windows"):
        # Over an earlier install, the running one stops first (launchctl bootstrap refuses
        # a label already loaded; a task already running would not run again), so the new
        # definition takes effect. Nothing running is fine.
        _run(stop_commands(platform, uid)[0])
    for command in start:
        ok, said = _run(command)
        if not ok:
            lines.append(f"{shlex.join(command)} failed: {said or 'no message'}")
            lines.append(f"Fix that, then run: {shown(start, platform)}")
            raise ServiceError("\n".join(lines))
    lines.append(f"Candor starts at each login and is starting now, on 127.0.0.1:{spec.port}; "
                 f"its log: {spec.log}")
    return lines


def status(platform, path, uid=None, serving=None):
    """Whether the service is installed and runs, and where its log is; lines to show."""
    if not _installed(platform, path):
        return ["Candor's service is not installed (`candor service install` sets it up)."]
    text = path.read_bytes().decode("utf-16" if platform == "windows" else "utf-8",
                                    errors="replace") if path.exists() else ""
    port = port_of(text)
    lines = [f"Installed: {path}"]
    usable, why = manager_usable(platform)
    running = None
    if usable:
        running = _manager_state(platform, uid)
    if running is None:
        # Without the manager, the port is the only witness (it may be a `candor serve`
        # started by hand: the line says which question was asked).
        answers = port is not None and serving is not None and serving(port)
        where = f"127.0.0.1:{port}" if port else "its port"
        lines.append(f"Running: {'yes' if answers else 'no'} (Candor "
                     f"{'answers' if answers else 'does not answer'} on {where}; "
                     f"{MANAGERS[platform]} was not asked: {why or 'it would not say'})")
    else:
        lines.append(f"Running: {running}")
    log = _log_of(platform, text)
    if log:
        lines.append(f"Log: {log}")
    opener = "candor open" + (f" --port {port}" if port and port != 5765 else "")
    lines.append(f"Open the dashboard with `{opener}`: a fresh link each time "
                 "(the log never holds one).")
    return lines


def _manager_state(platform, uid):
    """What the platform's tool says of the service ("yes (active)"…); None if it won't say."""
    if platform == "linux":
        ok, said = _run(["systemctl", "--user", "is-active", UNIT_NAME])
        enabled = _run(["systemctl", "--user", "is-enabled", UNIT_NAME])[1] or "unknown"
        return f"{'yes' if ok else 'no'} (systemctl: {said or 'unknown'}; at login: {enabled})"
    if platform == "macos":
        ok, said = _run(["launchctl", "print", f"gui/{uid}/{LABEL}"])
        if not ok:
            return "no (not loaded in launchd)"
        state = re.search(r"^\s*state = (\S+)", said, re.M)
        state = state.group(1) if state else "unknown"
        return f"{'yes' if state == 'running' else 'no'} (launchd: {state})"
    if platform == "windows":
        ok, said = _run(["schtasks", "/Query", "/TN", TASK_NAME, "/FO", "LIST"])
        state = re.search(r"^Status:\s*(.+)$", said, re.M)
        state = state.group(1).strip() if ok and state else "unknown"
        return f"{'yes' if state == 'Running' else 'no'} (Task Scheduler: {state})"
    return None


def _log_of(platform, text):
    """The log file a written definition names."""
    if platform == "linux":
        found = re.search(r"^StandardOutput=append:(.+)$", text, re.M)
        return found.group(1).replace("%%", "%") if found else None
    if platform == "macos":
        try:
            return plistlib.loads(text.encode("utf-8")).get("StandardOutPath")
        except (plistlib.InvalidFileException, ValueError):
            return None
    found = re.search(r'&gt;&gt;"([^"]+)"', text)
    return found.group(1) if found else None


def uninstall(platform, path, uid=None):
    """Stop the service and remove it; lines to show. Nothing installed is not an error."""
    if not _installed(platform, path):
        return ["Candor's service is not installed: nothing to remove."]
    lines = []
    usable, why = manager_usable(platform)
    if usable:
        for command in stop_commands(platform, uid):
            ok, said = _run(command)
            # Said, not fatal: a service never started, or stopped already, is still removed.
            if not ok and said:
                lines.append(f"{shlex.join(command)}: {said}")
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise ServiceError(f"Cannot remove {path}: {error.strerror or error}") from None
    if platform == "linux" and usable:
        _run(["systemctl", "--user", "daemon-reload"])
    lines.append(f"Removed {path}: Candor no longer starts at login.")
    if not usable:
        lines.append(f"{MANAGERS[platform]} was not asked to stop it ({why}). Where it runs, "
                     f"stop it with: {shown(stop_commands(platform, uid), platform)}")
    else:
        lines.append("Candor's service is stopped. Its log stays in the data folder.")
    return lines
