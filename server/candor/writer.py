"""The extension's batches, stored by a process of their own while `candor serve` runs.

Python runs one thread at a time in a process, and SQLite hands that turn back on each
statement: under load the thread holding the journal's write lock kept waiting for its
turn behind threads answering other requests, so the whole server waited with it
(bench/load.py). Here the request threads only read the batch from the socket and
check who sent it; a writer process, on the other core, decodes, checks and stores it
and answers with what ingest answers. Batches that arrive together share one commit.

Nothing changes for what is stored or answered: the writer runs ingest's own functions
on its own connection to the same journal, and a batch is answered only after its
commit. If the writer dies, or gives no answer for ANSWER_WITHIN seconds (a watching
thread ends it then), a new one is started; the batches it held go Flask's way once more, and are answered 503
if that fails too (the extension sends them again; stored events count as duplicates).
Every other write (tags, settings, scans) stays in the server's process; SQLite keeps
the two apart.
"""

import multiprocessing
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection, wait

_running = {}  # the journal's absolute path -> its Writer, in the server's process


class WriterGone(RuntimeError):
    """The writer process ended before answering: the batch may or may not be stored."""


def running(path):
    """The Writer storing batches for the journal at `path` (absolute), or None (store them
    in this process)."""
    return _running.get(path) if _running and path else None


class Writer:
    """The writer process of one journal, with a channel for each request thread."""

    def __init__(self, path, channels):
        self.path = os.path.abspath(path)
        self.channels = channels
        self._lock = threading.Lock()
        self.process = None
        self._free = None
        self._storing = 0  # batches being stored now, here or by the writer
        self._storing_guard = threading.Lock()
        self._asked = {}  # each call waiting for the writer -> (when it asked, the process)

    def start(self):
        """Start the process and send batches its way from now on."""
        with self._lock:
            self._start()
        _running[self.path] = self
        threading.Thread(target=self._watch, name="candor-writer-watch", daemon=True).start()
        return self

    def _watch(self):
        """End a writer that gave no answer for ANSWER_WITHIN seconds: the calls waiting
        for it then go the way of those to a writer that died (a timeout on each call
        cost the load test 6% of its requests/s)."""
        while True:
            time.sleep(ANSWER_WITHIN / 6)
            waiting = list(self._asked.values())  # (copied whole: calls come and go)
            now = time.monotonic()
            for process in {process for asked, process in waiting
                            if now - asked > ANSWER_WITHIN}:
                _end(process)

    def _start(self):
        process, channels = (_launch if os.name == "posix" else _launch_spawned)(
            self.path, self.channels)
        free = queue.SimpleQueue()
        for channel in channels:
            free.put(channel)
        self.process, self._free = process, free

    def store(self, here, what, *args):
        """Store a batch: here() in this process when no other batch is being stored (a
        lone batch is answered sooner without the trip to the writer, which is idle then),
        else by the writer, call(what, *args)."""
        with self._storing_guard:
            alone = self._storing == 0
            self._storing += 1
        try:
            return here() if alone else self.call(what, *args)
        finally:
            with self._storing_guard:
                self._storing -= 1

    def call(self, what, *args):
        """Have the writer run `what` (a name in _WORK) on `args`; its answer or its error.

        Raises WriterGone if the writer ended first (a new one is started for the next).
        """
        process, free = self.process, self._free
        try:
            channel = free.get(timeout=_WAIT_FOR_CHANNEL)
        except queue.Empty:
            raise WriterGone("no channel to the writer came free") from None
        call = object()
        self._asked[call] = (time.monotonic(), process)
        try:
            channel.send((what, args))
            failed, answer = channel.recv()
        except BaseException as error:
            # A channel left mid-exchange would hand its answer to the next request: it
            # is closed, and the writer replaced.
            channel.close()
            with self._lock:
                if self.process is process:  # not replaced by another thread yet
                    _end(process)
                    self._start()
            if isinstance(error, Exception):
                raise WriterGone("the writer ended before answering") from None
            raise
        finally:
            del self._asked[call]
        free.put(channel)
        if failed:
            raise answer
        return answer


# A request waits this long (seconds) for a channel; never, while the writer is well:
# there are more channels than request threads.
_WAIT_FOR_CHANNEL = 30
# A writer that gives no answer for this long (seconds) is taken for hung: a batch
# waits at most 10 s for the journal's write lock (db.connect's busy timeout), and
# storing the largest takes well under a second.
ANSWER_WITHIN = 30


def _launch(path, count):
    """Start the writer as `python -m candor.writer`, with `count` channels to it (socket
    pairs it inherits); returns (its Popen, our ends).

    Not multiprocessing's spawn, which on POSIX also starts a resource tracker process the
    writer has no use for (7 MB more of the server's memory, bench/soak.py). The writer
    needs no sign of the server's end but its channels': when the server ends, even
    killed, they all close.
    """
    ours, theirs = zip(*(socket.socketpair() for _ in range(count)), strict=True)
    fds = [end.fileno() for end in theirs]
    try:
        process = subprocess.Popen([sys.executable, "-m", "candor.writer", path, *map(str, fds)],
                                   pass_fds=fds, stdin=subprocess.DEVNULL)
    finally:
        for end in theirs:
            end.close()
    return process, [Connection(end.detach()) for end in ours]


def _launch_spawned(path, count):
    """_launch where file descriptors can't be handed down (Windows): multiprocessing's
    spawn, with pipes."""
    context = multiprocessing.get_context("spawn")
    pairs = [context.Pipe() for _ in range(count)]
    process = context.Process(target=_serve, args=(path, [far for _, far in pairs]),
                              name="candor-writer", daemon=True)
    process.start()
    for _, far in pairs:
        far.close()
    return process, [near for near, _ in pairs]


def _end(process):
    """End a writer that died or hangs (a Popen or a multiprocessing Process): a
    transaction it had begun is rolled back."""
    if isinstance(process, subprocess.Popen):
        if process.poll() is None:
            process.kill()
            process.wait(5)
    elif process.is_alive():
        process.kill()
        process.join(5)


def _plain(db, raw, now_ms):
    from . import ingest

    return ingest.prepare_plain(raw, now_ms)


def _events(db, events, now_ms, client):
    from . import ingest

    return ingest.prepare(events, now_ms, client)


# What a request thread may ask. Each gives the work to do in the group's transaction (a
# function of the db), or the answer itself when there is nothing to write.
_WORK = {"plain": _plain, "events": _events}


def _serve(path, channels):
    """The writer process: answer each channel's requests until the server is gone (all
    its channels closed)."""
    from .db import connect, write_each

    db = connect(path)
    parent = multiprocessing.parent_process()  # None when started by _launch
    ended = [parent.sentinel] if parent is not None else []
    channels = list(channels)
    while channels:
        ready = wait([*channels, *ended])
        if ended and ended[0] in ready:
            return  # the server ended (even killed): so does its writer
        asked = []
        for channel in ready:
            try:
                what, args = channel.recv()
            except (EOFError, OSError):
                channels.remove(channel)
                continue
            try:
                work = _WORK[what](db, *args)
            except Exception as error:  # a malformed batch: its own answer
                _answer(channel, True, error)
                continue
            if callable(work):
                asked.append((channel, work))
            else:
                _answer(channel, False, work)
        if asked:
            for (channel, _), done in zip(asked, write_each(db, [w for _, w in asked]),
                                          strict=True):
                _answer(channel, done.error is not None, done.error or done.result)


def _answer(channel, failed, answer):
    try:
        channel.send((failed, answer))
    except (OSError, ValueError):  # the request thread is gone; so is its channel
        pass
    except Exception as error:  # an error that can't be pickled: its message, then
        try:
            channel.send((True, RuntimeError(f"{answer!r} ({error})")))
        except (OSError, ValueError):
            pass


if __name__ == "__main__":  # started by _launch: the journal's path, then its channels
    _serve(sys.argv[1], [Connection(int(fd)) for fd in sys.argv[2:]])
