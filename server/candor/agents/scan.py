"""`candor agents scan`: read the agents' logs appended since the last scan into the journal.

Files are read without holding the journal's write lock; then one transaction per
source stores the records, where each file's reading stands, and the rebuilt totals
of the sessions touched. A line or file that can't be read is skipped with a message
naming it, and changes nothing already stored.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..db import write
from . import BadRecord, Records, claude_code, codex, files, gemini_cli, sessions

SOURCES = {module.SITE: module for module in (claude_code, codex, gemini_cli)}


class NoSuchFolder(ValueError):
    """A folder given to scan does not exist."""


@dataclass
class Report:
    """What one source's scan did."""

    source: str
    folders: list
    files_found: int = 0
    files_read: int = 0
    sessions: int = 0
    requests: int = 0
    tokens: int = 0
    tokens_cache_read: int = 0
    skipped: list = field(default_factory=list)
    seconds: float = 0.0


def roots(source, paths=None, env=None, home=None):
    """The folders `source` is read from: `paths` if given, else its default ones."""
    if paths:
        missing = [p for p in paths if not os.path.isdir(p)]
        if missing:
            raise NoSuchFolder(", ".join(str(p) for p in missing))
        return [Path(p) for p in paths]
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or Path.home()) if home is None else home
    return SOURCES[source].default_roots(env, home)


def find_files(module, folders, records):
    """The source's log files under `folders`, recursively, sorted; unreadable folders noted."""
    found = set()
    for folder in folders:
        if not os.path.isdir(folder):
            continue

        def unreadable(error):
            records.skip(error.filename, None, f"cannot read this folder ({error.strerror})")

        for parent, _, names in os.walk(folder, onerror=unreadable, followlinks=False):
            for name in names:
                path = Path(parent) / name
                if path.match(module.FILE_PATTERN) and getattr(module, "wanted", bool)(path):
                    found.add(str(path))
    return sorted(found)


def read_source(db, module, folders):
    """Read the new parts of the source's files: (Records, places reached, files found)."""
    records = Records()
    places = []
    paths = find_files(module, folders, records)
    for path in paths:
        place = files.known_place(db, path, module.SITE)
        try:
            opened = files.open_new_part(place)
        except FileNotFoundError:
            records.skip(path, None, "vanished before it could be read; skipped")
            continue
        except OSError as error:
            records.skip(path, None, f"cannot read it ({error.strerror}); skipped")
            continue
        if opened is None:
            continue
        handle, place = opened
        with handle:
            try:
                if module.WHOLE_FILES:
                    _read_document(module, path, handle, place, records)
                else:
                    _read_lines(module, path, handle, place, records)
            except OSError as error:
                records.skip(path, None, f"cannot read it ({error.strerror}); skipped")
                continue
        places.append(place)
    return records, places, len(paths)


def _read_lines(module, path, handle, place, records):
    for number, line in files.new_lines(handle, place):
        records.lines += 1
        if line is None:
            records.skip(path, number, f"a line longer than {files.MAX_LINE_BYTES} bytes; "
                                       "skipped")
            continue
        try:
            module.read_line(path, number, line, place, records)
        except BadRecord as error:
            records.skip(path, number, f"not a record this reader knows ({error}); skipped")
        except ValueError:
            records.skip(path, number, "not JSON; skipped")


def _read_document(module, path, handle, place, records):
    data = files.read_whole(handle, place)
    try:
        module.read_document(path, data, records)
    except BadRecord as error:
        records.skip(path, None, f"not a file this reader knows ({error}); skipped")
    except ValueError:
        records.skip(path, None, "not JSON (perhaps being written); skipped")


def scan(db, source, paths=None, env=None, home=None):
    """Scan one source's logs into the journal; returns a Report. Raises NoSuchFolder."""
    started = time.monotonic()
    module = SOURCES[source]
    folders = roots(source, paths, env, home)
    records, places, found = read_source(db, module, folders)
    report = Report(source, [str(f) for f in folders], files_found=found,
                    files_read=len(places), skipped=records.skipped)
    if places:
        with write(db):
            figures = sessions.store(db, module.SITE, records)
            files.save_places(db, places)
        report.sessions, report.requests = figures["sessions"], figures["requests"]
        report.tokens, report.tokens_cache_read = figures["tokens"], figures["cache_read"]
    report.seconds = time.monotonic() - started
    return report
