"""Reading agents' log files a little at a time: only what was appended since the last scan.

Each file's place is kept in `agent_files`: its size, mtime, inode, how far it was read
(a byte offset and a line count) and a hash of its first bytes. A file whose inode or
first bytes changed, or that got shorter, was replaced or truncated: it is read again
from the start (the records it yields are keyed, so nothing counts twice). A last line
without its newline is left for the next scan unless it already is a whole JSON object.
"""

import hashlib
import json
import os
from dataclasses import dataclass, field

HEAD_BYTES = 1024
# A longer line is skipped (it can't be a usage record worth holding in memory).
MAX_LINE_BYTES = 64 * 1024 * 1024
READ_BYTES = 4 * 1024 * 1024


@dataclass
class Place:
    """Where a file's reading stands: what agent_files keeps for it."""

    path: str
    source: str
    size: int = 0
    mtime_ns: int = 0
    inode: int = 0
    offset: int = 0
    lines: int = 0
    head_hash: str = ""
    state: dict = field(default_factory=dict)

    def row(self):
        """The agent_files row."""
        return [self.path, self.source, self.size, self.mtime_ns, self.inode, self.offset,
                self.lines, self.head_hash, json.dumps(self.state, sort_keys=True)]


def known_place(db, path, source):
    """The stored Place of `path`, or a fresh one."""
    row = db.conn.execute(
        "SELECT size, mtime_ns, inode, offset, lines, head_hash, state FROM agent_files "
        "WHERE path = ?", [path]).fetchone()
    if row is None:
        return Place(path, source)
    size, mtime_ns, inode, offset, lines, head_hash, state = row
    return Place(path, source, size, mtime_ns, inode, offset, lines, head_hash,
                 json.loads(state) if state else {})


def save_places(db, places):
    """Store the places reached (inside the caller's write transaction)."""
    db.conn.executemany(
        "INSERT OR REPLACE INTO agent_files (path, source, size, mtime_ns, inode, offset, "
        "lines, head_hash, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [p.row() for p in places])


def _head_hash(handle, length):
    handle.seek(0)
    return hashlib.sha256(handle.read(length)).hexdigest()


def open_new_part(place):
    """Open the file and find where to start; returns (handle, place to start from) or None.

    None: nothing new since the last scan. A replaced or truncated file starts over with
    an empty state. Raises OSError when the file can't be opened (vanished, unreadable).
    """
    handle = open(place.path, "rb")  # noqa: SIM115 (closed by the caller)
    try:
        stat = os.fstat(handle.fileno())
        if (stat.st_ino == place.inode and stat.st_size == place.size
                and stat.st_mtime_ns == place.mtime_ns):
            handle.close()
            return None
        start = Place(place.path, place.source, stat.st_size, stat.st_mtime_ns, stat.st_ino,
                      place.offset, place.lines, place.head_hash, dict(place.state))
        head_length = min(HEAD_BYTES, place.offset)
        same = (place.offset and stat.st_ino == place.inode and stat.st_size >= place.offset
                and _head_hash(handle, head_length) == place.head_hash)
        if not same:
            start.offset = start.lines = 0
            start.head_hash, start.state = "", {}
        return handle, start
    except BaseException:
        handle.close()
        raise


def new_lines(handle, place):
    """Yield (line number, bytes without the newline) of the lines after place.offset,
    moving `place` past them (see new_line_chunks)."""
    for first, lines in new_line_chunks(handle, place):
        yield from enumerate(lines, first)


def new_line_chunks(handle, place):
    """Yield (number of the first line, [bytes of each line without its newline]) for the
    lines after place.offset, a chunk at a time, moving `place` past each chunk.

    Lines longer than MAX_LINE_BYTES come as None (to be reported and skipped). The file
    is read READ_BYTES at a time and split in C, and `place` moves once a chunk: per line,
    a readline(), or even moving `place`, cost more than the rest of a scan of hundreds of
    megabytes.
    """
    handle.seek(place.offset)
    start = b""  # a line whose end is not read yet
    skipping = 0  # the bytes read of a line too long to keep, whose end is not read yet
    while chunk := handle.read(READ_BYTES):
        if skipping:
            end = chunk.find(b"\n")
            if end < 0:
                skipping += len(chunk)
                continue
            place.lines += 1
            place.offset += skipping + end + 1
            yield place.lines, [None]
            skipping, chunk = 0, chunk[end + 1:]
        data = start + chunk if start else chunk
        lines = data.split(b"\n")
        start = lines.pop()
        if lines:
            first = place.lines + 1
            place.lines += len(lines)
            place.offset += len(data) - len(start)
            if max(map(len, lines)) > MAX_LINE_BYTES:
                lines = [None if len(line) > MAX_LINE_BYTES else line for line in lines]
            yield first, lines
        if len(start) > MAX_LINE_BYTES:
            skipping, start = len(start), b""
    # A last line without its newline is read if it is whole already (else still being
    # written, as a too long one is: its end comes in a later scan).
    if start and _whole_object(start):
        place.lines += 1
        place.offset += len(start)
        yield place.lines, [start]
    place.head_hash = _head_hash(handle, min(HEAD_BYTES, place.offset))


def _whole_object(line):
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def read_whole(handle, place):
    """The whole file's bytes (for formats written as one JSON document), moving `place`."""
    handle.seek(0)
    data = handle.read()
    place.offset, place.lines = len(data), data.count(b"\n")
    place.head_hash = hashlib.sha256(data[:HEAD_BYTES]).hexdigest()
    return data
