"""The `candor` command: thin wrappers around the service's functions."""

import errno
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
from pathlib import Path

import click

from . import __version__, config, export, report
from .words import duration, plural


def _data_dir():
    return str(config.data_dir())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="candor")
def main():
    """Candor: a private journal of your AI-tool sessions, on this machine only."""


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port on 127.0.0.1 (default 5765, or CANDOR_PORT).")
@click.option("--demo", is_flag=True,
              help="Serve a throwaway journal filled with a few weeks of example sessions.")
# 8: under load a batch holds its thread while the writer process stores it, and more
# batches in flight share each commit (bench/load.py: 4 threads gave 15% fewer requests/s).
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads answering requests.")
@click.option("--open", "open_browser", is_flag=True,
              help="Also open the dashboard in this machine's browser, logged in.")
def serve(port, demo, threads, open_browser):
    """Serve the journal and its dashboard on 127.0.0.1 (waitress)."""
    import waitress

    from . import create_app
    from . import demo as demo_data

    port = config.port(port)
    _check_port_free(port)
    data_dir = tempfile.mkdtemp(prefix="candor-demo-") if demo else _data_dir()
    try:
        app = create_app({"DATA_DIR": data_dir, "PORT": port})
        if demo:
            from .db import connect
            db = connect(app.config["DATABASE"])
            counts = demo_data.fill(db, days=21)
            counts["sessions"] += demo_data.fill_agents(db, days=21)["sessions"]
            db.close()
            click.echo(f"Demo journal with {plural(counts['sessions'], 'session')} in {data_dir} "
                       "(deleted when you stop the server)")
        from .agents.background import start_scanner
        from .db import start_checkpoints
        from .rules import start_applier
        from .signals import start_refresher
        start_checkpoints(app.config["DATABASE"])
        start_refresher(app.config["DATABASE"])
        start_applier(app.config["DATABASE"])
        start_scanner(app.config["DATABASE"], app.config["AGENT_ROOTS"])
        from .writer import Writer
        Writer(app.config["DATABASE"], channels=threads + 2).start()
        click.echo(f"Candor {__version__} is serving your journal from {data_dir} "
                   f"at http://127.0.0.1:{port}/")
        # Never a login link here: this output often ends up in a log file.
        opener = "candor open" + (f" --port {port}" if port != config.DEFAULT_PORT else "")
        if demo:
            opener = f"CANDOR_DATA_DIR={data_dir} {opener}"
        click.echo(f"Open the dashboard: {opener}")
        if open_browser:
            _open_in_browser(_login_link(data_dir, port))
        click.echo("Press Ctrl+C to stop.", err=True)
        sys.stdout.flush()
        # Stop as cleanly on SIGTERM as on Ctrl+C (the demo's folder is removed).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        # Waitress warns "Task queue depth is N" for every request that waits for a
        # thread: under a burst that is a line per request, costing more than the work.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="candor")
    finally:
        if demo:
            shutil.rmtree(data_dir, ignore_errors=True)


def _check_port_free(port):
    """Fail with a clear message, not a traceback, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"Port {port} on 127.0.0.1 is in use (is Candor already running?). "
                    "Choose another with --port or CANDOR_PORT."
                ) from None
            raise click.ClickException(f"Cannot listen on 127.0.0.1:{port}: {error}") from None


@main.command()
@click.option("--rotate", is_flag=True,
              help="Replace the token and log every browser out; the extension must pair again.")
def token(rotate):
    """Print the token the extension and agents use (creating it if missing)."""
    from . import logins, security

    data_dir = _data_dir()
    if rotate:
        new = security.rotate_token(data_dir)
        logins.revoke_all(data_dir)
        click.echo(new)
    else:
        click.echo(security.read_token(data_dir))


def _login_link(data_dir, port):
    from . import logins

    code, _ = logins.new_login_link_code(data_dir)
    return f"http://127.0.0.1:{port}/login?code={code}"


def _open_in_browser(url):
    """Open `url` in a browser of this machine, if there is one; whether it did."""
    import webbrowser

    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False  # no screen: a terminal browser would take over the terminal
    try:
        return webbrowser.get().open(url)
    except webbrowser.Error:
        return False


def _serving(port):
    """Whether something answers Candor's health check on 127.0.0.1:`port`."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/api/v1/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@main.command("open")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="The port `candor serve` listens on (default 5765, or CANDOR_PORT).")
@click.option("--print-only", is_flag=True, help="Print the link; don't open a browser.")
def open_command(port, print_only):
    """Open the dashboard logged in, with a fresh link that works once, for ten minutes."""
    port = config.port(port)
    link = _login_link(_data_dir(), port)
    if not _serving(port):
        click.echo(f"Candor is not answering on 127.0.0.1:{port}: start it with "
                   "`candor serve` first (the link below works once it runs).", err=True)
    if not print_only and _open_in_browser(link):
        click.echo("Opened the dashboard in your browser. If it didn't show, open this "
                   f"link (it works once, for ten minutes):\n{link}")
    else:
        click.echo(f"Open this link (it works once, for ten minutes):\n{link}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup(file):
    """Write a consistent copy of the journal to FILE, even while the server runs."""
    from .db import connect

    target = Path(file)
    if not target.parent.is_dir():
        raise click.ClickException(f"No such folder: {target.parent}")
    source = connect(str(Path(_data_dir()) / "candor.db"))
    # Write beside the target, then rename: never a half-written backup.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        dest = sqlite3.connect(tmp)
        with dest:
            source.conn.backup(dest)
        dest.close()
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        source.close()
    click.echo(f"Backed up the journal to {target}")


@main.command()
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First local date (YYYY-MM-DD).")
@click.option("--to", "to_day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last local date (YYYY-MM-DD), inclusive.")
@click.option("--group", type=click.Choice(report.GROUPS), default=None,
              help="One row per day, ISO week, site, hour of the day or label (a session "
                   "under each of its labels, one without any under (none)).")
def stats(from_day, to_day, group):
    """Print active time by tag, the value ratio and coverage, as a table."""
    from . import time_zone
    from .db import connect

    from_day = from_day.date() if from_day else None
    to_day = to_day.date() if to_day else None
    if from_day and to_day and from_day > to_day:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    db = connect(str(Path(_data_dir()) / "candor.db"))
    try:
        s = report.stats(db, from_day, to_day, group)
        zone = time_zone.name(db)
    finally:
        db.close()
    click.echo(f"Days and hours in {zone} (the journal's time zone).")
    rows = [(g["key"], g) for g in s.get("groups", [])] + [("total", s)]
    tags = ("real", "busywork", "unsure", "untagged")
    # Durations as everywhere else (2 h 44 min), in columns wide enough for 100 h 00 min.
    click.echo(f"{group or '':<12}" + "".join(f"{tag:>14}" for tag in tags)
               + f"{'value ratio':>13}{'coverage':>10}")
    for key, r in rows:
        times = "".join(f"{duration(r[f'{tag}_seconds']):>14}" for tag in tags)
        click.echo(f"{key:<12}{times}{_pct(r['value_ratio']):>13}{_pct(r['coverage']):>10}")


def _redaction(values):
    """--redact titles,urls --redact notes → {"titles", "urls", "notes"}; none → nothing."""
    if not values:
        return set(export.DEFAULT_REDACTION)
    chosen = {part.strip() for value in values for part in value.split(",") if part.strip()}
    if chosen == {"none"}:
        return set()
    unknown = chosen - set(export.REDACTABLE)
    if unknown:
        raise click.BadParameter(f"unknown: {', '.join(sorted(unknown))}; choose from "
                                 f"{', '.join(export.REDACTABLE)} (or none)",
                                 param_hint="--redact")
    return chosen


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="json",
              show_default=True, help="json (verifiable), csv (spreadsheets) or html (a report).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              required=True,
              help="The file to write (written whole or not at all); - for standard output.")
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First local date (YYYY-MM-DD).")
@click.option("--to", "to_day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last local date (YYYY-MM-DD), inclusive.")
@click.option("--redact", multiple=True, metavar="WHAT",
              help="Leave out titles, urls and/or notes (comma-separated, repeatable); "
                   "default: titles,notes; 'none' keeps everything.")
@click.option("--owner", default=None,
              help="Your name as the journal's owner, remembered for later exports "
                   "(default: your user name, or 'me').")
@click.option("--for-merge", is_flag=True,
              help="The whole journal, everything kept, signed with the merge key, for "
                   "`candor merge` on another of your machines.")
@click.option("--machine", "machine_name", default=None, metavar="NAME",
              help="With --for-merge: this machine's name as your other machines show it, "
                   "remembered (default: its host name).")
def export_command(fmt, output, from_day, to_day, redact, owner, for_merge, machine_name):
    """Export the journal for a coach: json, csv or a self-contained html report."""
    from .db import connect

    if for_merge:
        given = [name for name, value in (("--format", fmt != "json"), ("--from", from_day),
                                          ("--to", to_day), ("--redact", redact),
                                          ("--owner", owner)) if value]
        if given:
            raise click.UsageError(f"--for-merge writes the whole journal, everything kept: "
                                   f"leave out {', '.join(given)}")
        return _export_for_merge(output, machine_name)
    if machine_name is not None:
        raise click.UsageError("--machine names this machine in a merge file: give it with "
                               "--for-merge")
    from_day = from_day.date() if from_day else None
    to_day = to_day.date() if to_day else None
    if from_day and to_day and from_day > to_day:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    redaction = _redaction(redact)
    if owner is not None:
        try:
            owner = export.clean_owner(owner)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--owner") from None
    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout and not target.parent.is_dir():
        raise click.ClickException(f"No such folder: {target.parent}")
    db = connect(str(Path(_data_dir()) / "candor.db"))
    try:
        if owner is not None:
            export.set_owner(db, owner)
        data = export.build(db, from_day, to_day, redaction)
    finally:
        db.close()
    _write_out(export.render(data, fmt), target, to_stdout)
    # On standard error when the journal goes to standard output, so it pipes clean.
    click.echo(f"Exported {plural(len(data['sessions']), 'session')} of {data['owner']} to "
               f"{'standard output' if to_stdout else target} ({fmt}"
               f"{', without ' + ', '.join(sorted(redaction)) if redaction else ''})",
               err=to_stdout)


def _write_out(text, target, to_stdout):
    """Write an export to standard output or, whole or not at all, to `target`.

    Called once the text is rendered: a pipe never gets half a journal from an error.
    """
    if to_stdout:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
        return
    try:
        export.write_atomic(target, text)
    except OSError as error:
        raise click.ClickException(f"Cannot write {target}: {error.strerror}") from None


def _export_for_merge(output, machine_name=None):
    """`candor export --for-merge`: the signed merge file, to a file or standard output."""
    from . import machines, merge
    from .db import connect

    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout and not target.parent.is_dir():
        raise click.ClickException(f"No such folder: {target.parent}")
    data_dir = _data_dir()
    db = connect(str(Path(data_dir) / "candor.db"))
    try:
        if machine_name is not None:
            try:
                machines.set_own_name(db, machine_name)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--machine") from None
        data = merge.build(db, merge.read_key(data_dir, create=True))
    finally:
        db.close()
    _write_out(json.dumps(data, ensure_ascii=False, indent=1) + "\n", target, to_stdout)
    click.echo(f"Exported {plural(len(data['sessions']), 'session')} and "
               f"{plural(len(data['forgotten']), 'forgotten session')} of "
               f"{data['machine']['name']} to {'standard output' if to_stdout else target}, "
               "signed with the merge key: `candor merge` it on your other machine.",
               err=to_stdout)


@main.command("merge")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def merge_command(file):
    """Merge another of your machines' journal (its `export --for-merge`) into this one."""
    from . import merge
    from .db import connect

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise click.ClickException(f"{file}: cannot read it: {error.strerror}") from None
    data_dir = _data_dir()
    try:
        data = merge.read(raw, merge.read_key(data_dir))
    except merge.Refused as error:
        raise click.ClickException(f"{file}: refused, nothing merged: {error}") from None
    db = connect(str(Path(data_dir) / "candor.db"))
    try:
        done = merge.merge(db, data)
    finally:
        db.close()
    named = "standard input" if file == "-" else file
    if done.own:
        click.echo(f"{named} is this machine's own journal: nothing to merge.")
        return
    click.echo(f"Merged {named} from {done.machine}: {plural(done.new, 'new session')}, "
               f"{plural(done.tags, 'updated tag')}, {plural(done.notes, 'updated note')}, "
               f"{done.forgotten} forgotten.")


@main.command("merge-key")
@click.option("--set", "new_key", metavar="KEY",
              help="Use KEY, the key `candor merge-key` printed on your other machine "
                   "(- reads it from standard input).")
def merge_key(new_key):
    """Print the key that signs merge files (made once), or set the other machine's."""
    from . import merge

    data_dir = _data_dir()
    if new_key is None:
        click.echo(merge.read_key(data_dir, create=True))
        return
    if new_key == "-":
        new_key = sys.stdin.readline()
    had = merge.read_key(data_dir)
    try:
        changed = merge.set_key(data_dir, new_key)
    except merge.BadKey as error:
        raise click.BadParameter(str(error), param_hint="--set") from None
    if not changed:
        click.echo("That already is this machine's merge key: nothing changed.")
        return
    click.echo("The merge key is set: files this machine exports for merge, and those it "
               "merges, are signed with it."
               + (" It replaced another: files signed with that one no longer merge here."
                  if had else ""))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def verify(file):
    """Check that an exported journal is unchanged since export (exit 0 intact, 1 changed)."""
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        ok, message = export.verify(data)
    except OSError as error:
        click.echo(f"{file}: cannot read it: {error.strerror}", err=True)
        sys.exit(2)
    except (UnicodeDecodeError, json.JSONDecodeError):
        click.echo(f"{file}: not a Candor journal: not JSON (journals are the json export)",
                   err=True)
        sys.exit(2)
    except export.NotAJournal as error:
        click.echo(f"{file}: {error}", err=True)
        sys.exit(2)
    click.echo(f"{file}: {message}")
    sys.exit(0 if ok else 1)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--name", default=None,
              help="The name to keep it under (default: its owner's); a newer export of a "
                   "journal already imported updates it, under the name it has.")
@click.option("--force", is_flag=True,
              help="Import a journal that fails its check; it is shown as unverified.")
def import_command(file, name, force):
    """Import a worker's journal (or its newer export) to review it, or a coach's notes."""
    from . import coach
    from .db import connect

    data_dir = _data_dir()
    db = connect(str(Path(data_dir) / "candor.db"))
    try:
        raw, data = coach.read(file)
        if isinstance(data, dict) and data.get("format") == coach.NOTES_FORMAT:
            count = coach.import_notes(db, data)
            click.echo(f"Kept {plural(count, 'note')} from {data.get('coach')}: they show beside "
                       "your sessions and weeks.")
            return
        done = coach.import_journal(db, data_dir, raw, data, name, force)
    except coach.ImportRefused as error:
        raise click.ClickException(f"{file}: {error}") from None
    finally:
        db.close()
    unverified = "" if done.verified else " (UNVERIFIED: it failed its check)"
    if done.outcome == "same":
        click.echo(f"{file} is already imported as {done.name!r}: nothing changed.")
    elif done.outcome == "not_newer":
        click.echo(f"{file} is an export of {done.name!r} no newer than the one imported "
                   f"(exported {done.changes['imported']}): nothing changed.")
    elif done.outcome == "updated":
        click.echo(f"Updated {done.name!r} from {file}{unverified}: "
                   f"{coach.describe_changes(done.changes)}.")
    else:
        click.echo(f"Imported {file} as {done.name!r}{unverified}")


@main.command("export-notes")
@click.argument("journal")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The file to write.")
@click.option("--coach", "coach_name", required=True, help="Your name, as its owner will see it.")
def export_notes(journal, output, coach_name):
    """Write your notes on an imported journal to a file its owner can `candor import`."""
    from . import coach
    from .db import connect

    data_dir = _data_dir()
    target = Path(output)
    if not target.parent.is_dir():
        raise click.ClickException(f"No such folder: {target.parent}")
    db = connect(str(Path(data_dir) / "candor.db"))
    try:
        data = coach.export_notes(db, data_dir, journal, coach_name)
    except coach.UnknownJournal:
        raise click.ClickException(f"No imported journal {journal!r} "
                                   "(see the Journals page for names)") from None
    finally:
        db.close()
    export.write_atomic(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    click.echo(f"Wrote {plural(len(data['notes']), 'note')} to {target}")


@main.command("time-zone")
@click.argument("zone", required=False)
def time_zone_command(zone):
    """Print the journal's time zone, or change it to ZONE (an IANA name such as Europe/Paris)."""
    from . import journal, time_zone
    from .db import connect

    if zone is not None and not time_zone.is_zone(zone):
        raise click.BadParameter(f"unknown time zone {zone!r}: give an IANA name such as "
                                 "Europe/Paris or America/New_York", param_hint="ZONE")
    db = connect(str(Path(_data_dir()) / "candor.db"))
    try:
        if zone is None:
            click.echo(time_zone.name(db))
        elif journal.set_time_zone(db, zone):
            click.echo(f"The journal's time zone is now {zone}; its days were counted again.")
        else:
            click.echo(f"The journal's time zone already is {zone}: nothing to do.")
    finally:
        db.close()


@main.group()
def agents():
    """Agent sessions: read coding agents' usage logs into the journal."""


@agents.command("scan")
@click.option("--source", "sources", multiple=True,
              type=click.Choice(["claude-code", "codex", "gemini-cli"]),
              help="Read only this source (repeatable; default: all).")
@click.option("--path", "paths", multiple=True, type=click.Path(file_okay=False),
              help="Read this folder (recursively) instead of the source's own folders "
                   "(repeatable; needs exactly one --source).")
def agents_scan(sources, paths):
    """Read Claude Code, Codex and Gemini CLI logs appended since the last scan."""
    from .agents import scan
    from .db import connect

    if paths and len(sources) != 1:
        raise click.BadParameter("give exactly one --source with --path", param_hint="--path")
    missing = [p for p in paths if not os.path.isdir(p)]
    if missing:
        raise click.ClickException(f"No such folder: {', '.join(missing)}")
    db = connect(str(Path(_data_dir()) / "candor.db"))
    try:
        for source in sources or tuple(scan.SOURCES):
            report = scan.scan(db, source, list(paths) or None)
            for message in report.skipped:
                click.echo(f"{source}: skipped {message}", err=True)
            if not report.files_found:
                click.echo(f"{source}: nothing found in {', '.join(report.folders)} "
                           f"({report.seconds:.1f} s)")
                continue
            click.echo(
                f"{source}: {report.files_read} of {plural(report.files_found, 'file')} read, "
                f"{plural(report.sessions, 'session')}, {plural(report.requests, 'request')}, "
                f"{report.tokens:,} tokens (+{report.tokens_cache_read:,} cache reads), "
                f"{plural(len(report.skipped), 'line')} skipped ({report.seconds:.1f} s)")
    finally:
        db.close()


@main.group("service")
def service_group():
    """Always on: Candor started at login, running in the background."""


def _service_place(dry_run=False):
    """This machine's platform, the data dir and where the service is defined."""
    from . import service

    platform = service.platform_of(sys.platform)
    if platform is None:
        raise click.ClickException(f"Candor has no service for {sys.platform}: run "
                                   "`candor serve` from your system's startup programs.")
    data_dir = os.path.abspath(config.data_dir(create=not dry_run))
    return platform, data_dir, service.definition_path(platform, data_dir, Path.home(), os.environ)


def _service_answer(action, **kwargs):
    """Echo the lines a service action answers; its refusal as a clear error."""
    from . import service

    try:
        lines = action(uid=os.getuid() if hasattr(os, "getuid") else None, **kwargs)
    except service.ServiceError as error:
        raise click.ClickException(str(error)) from None
    for line in lines:
        click.echo(line)


@service_group.command("install")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port on 127.0.0.1 (default 5765, or CANDOR_PORT).")
@click.option("--dry-run", is_flag=True,
              help="Print the file and the commands; write and start nothing.")
def service_install(port, dry_run):
    """Start Candor at each login and keep it running.

    A systemd user unit on Linux, a launchd agent on macOS, a scheduled task on Windows,
    serving this journal (CANDOR_DATA_DIR) on the port chosen.
    """
    from . import service

    try:
        port = config.port(port)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:  # only CANDOR_PORT can be wrong: --port is checked
        raise click.BadParameter(f"{os.environ.get('CANDOR_PORT')!r} is not a port number "
                                 "(1-65535)", param_hint="CANDOR_PORT")
    platform, data_dir, path = _service_place(dry_run)
    spec = service.Spec(os.path.abspath(sys.executable), port, data_dir)
    user = service.windows_user(os.environ) if platform == "windows" else None
    _service_answer(service.install, platform=platform, spec=spec, path=path, user=user,
                    dry_run=dry_run, serving=_serving)


@service_group.command("status")
def service_status():
    """Say whether the service runs, and where its log is."""
    from . import service

    platform, _, path = _service_place()
    _service_answer(service.status, platform=platform, path=path, serving=_serving)


@service_group.command("uninstall")
def service_uninstall():
    """Stop the service and take it away (its log stays)."""
    from . import service

    platform, _, path = _service_place()
    _service_answer(service.uninstall, platform=platform, path=path)


def _pct(value):
    return "-" if value is None else f"{value:.0%}"


if __name__ == "__main__":
    main()
