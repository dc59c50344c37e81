"""`candor agents scan`: read the agents' logs appended since the last scan into the journal.

Files are read without holding the journal's write lock, FILES_PER_READ at a time;
then a short transaction stores the records of FILES_PER_COMMIT files, where each
file's reading stands, and the rebuilt totals of the sessions touched, so a first scan
of months of logs never holds other writers up for long. A scan that finds nothing new
writes nothing. A line or file that can't be read is skipped with a message naming it,
and changes nothing already stored. When `readers` > 1 and much is new (a first scan),
other processes read the files while this one stores what they read: reading is most of
a scan's time.
"""

import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from ..db import write
from . import BadRecord, Records, claude_code, codex, files, gemini_cli, sessions

SOURCES = {module.SITE: module for module in (claude_code, codex, gemini_cli)}
# Files read at a time (by one reader), and files whose new parts are stored in one
# transaction (fewer, larger commits: a first scan spent a fifth of its time storing). A
# session's totals are rebuilt from what is stored, so one spread over files in several
# transactions comes out the same.
FILES_PER_READ = 20
FILES_PER_COMMIT = 100
# Less new than this is read in this process: starting readers would cost more.
PARALLEL_BYTES = 32 * 1024 * 1024
READERS = min(2, os.cpu_count() or 1)


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
    readers: int = 0  # other processes that read the files (0: this one did)


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
                if fnmatchcase(name, module.FILE_PATTERN):  # as Path.match, without a Path
                    path = Path(parent) / name
                    if getattr(module, "wanted", bool)(path):
                        found.add(str(path))
    return sorted(found)


def read_files(db, module, paths, records):
    """Read the new parts of `paths` into `records`; returns the places reached."""
    return _read_places(module, [files.known_place(db, path, module.SITE) for path in paths],
                        records)


def _read_places(module, known, records):
    places = []
    for place in known:
        path = place.path
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
    return places


def _read_lines(module, path, handle, place, records):
    read_line = module.read_line
    for first, lines in files.new_line_chunks(handle, place):
        records.lines += len(lines)
        for number, line in enumerate(lines, first):
            if line is None:
                records.skip(path, number, f"a line longer than {files.MAX_LINE_BYTES} "
                                           "bytes; skipped")
                continue
            try:
                read_line(path, number, line, place, records)
            except BadRecord as error:
                records.skip(path, number, f"not a record this reader knows ({error}); "
                                           "skipped")
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


def _read_batch(source, known):
    """Read one batch of files; returns (records, places reached)."""
    records = Records()
    places = _read_places(SOURCES[source], known, records)
    records.requests = _best_copies(records.requests)
    records.times = sessions.needed_times(records.times)
    return records, places


def _best_copies(requests):
    """Of each request's copies, those the journal may keep: the best ranked (a request is
    written again while it streams; the store settles a tie as it always does)."""
    best = {}
    for request in requests:
        kept = best.get(request.key)
        if kept is None or request.rank > kept[0].rank:
            best[request.key] = [request]
        elif request.rank == kept[0].rank:
            kept.append(request)
    return [request for copies in best.values() for request in copies]


def _new_bytes(known):
    new = 0
    for place in known:
        try:
            new += max(0, os.stat(place.path).st_size - place.offset)
        except OSError:
            pass
    return new


def _can_fork():
    # A process running threads (the server) may be forked holding a lock mid-operation.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _batches_read(db, module, found, readers, report):
    """(records, places reached) of each FILES_PER_READ files of `found`, in order."""
    size = min(FILES_PER_READ, FILES_PER_COMMIT)
    batches = [[files.known_place(db, path, module.SITE) for path in found[i:i + size]]
               for i in range(0, len(found), size)]
    if (readers < 2 or not _can_fork()
            or _new_bytes(place for batch in batches for place in batch) < PARALLEL_BYTES):
        for known in batches:
            yield _read_batch(module.SITE, known)
        return
    # Forked, the readers start at once and need nothing from this process but the places
    # (they never touch the journal). A few batches are read ahead, not the whole tree.
    report.readers = readers
    with ProcessPoolExecutor(readers, mp_context=multiprocessing.get_context("fork")) as pool:
        ahead = deque()
        for known in batches:
            ahead.append(pool.submit(_read_batch, module.SITE, known))
            if len(ahead) > readers * 2:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def scan(db, source, paths=None, env=None, home=None, readers=READERS):
    """Scan one source's logs into the journal; returns a Report. Raises NoSuchFolder.

    A scan with much new to read (PARALLEL_BYTES) reads it in `readers` other processes,
    forked, unless this process runs threads (the server's scans read in the thread).
    """
    started = time.monotonic()
    module = SOURCES[source]
    folders = roots(source, paths, env, home)
    skipped = Records()
    found = find_files(module, folders, skipped)
    report = Report(source, [str(f) for f in folders], files_found=len(found),
                    skipped=skipped.skipped)
    changed = set()
    pending, reached = Records(), []

    def store():
        if not reached:
            return  # nothing new: not even a write transaction
        pending.requests = _best_copies(pending.requests)
        pending.times = sessions.needed_times(pending.times)
        with write(db):
            figures = sessions.store(db, module.SITE, pending)
            files.save_places(db, reached)
        report.files_read += len(reached)
        changed.update(figures["changed"])
        report.requests += figures["requests"]
        report.tokens += figures["tokens"]
        report.tokens_cache_read += figures["cache_read"]

    for records, places in _batches_read(db, module, found, readers, report):
        report.skipped.extend(records.skipped)
        if places:
            pending.add(records)
            reached.extend(places)
        if len(reached) >= FILES_PER_COMMIT:
            store()
            pending, reached = Records(), []
    store()
    report.sessions = len(changed)
    report.seconds = time.monotonic() - started
    return report
