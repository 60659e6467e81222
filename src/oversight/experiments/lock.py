"""One writer per output folder: `DIR/.writer.lock`, held with `flock` while a run writes.

Two `oversight run` into the same `--out` at once would each compute every pending run (the
store's primary key keeps one row, but the work is done twice). The second one is refused, with
the holder's pid and start time. The kernel drops an flock when its process dies, however it
dies, so a lock left by a killed process is never in the way: the next writer takes it over
(and says so, from the pid recorded in the file).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".writer.lock"


class FolderBusy(RuntimeError):
    """Another live process is writing the folder; the message says which and what to do."""


def _holder(text: str) -> str:
    pid, _, started = text.strip().partition(" ")
    try:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(started)))
    except ValueError:
        return f"pid {pid or '?'}"
    return f"pid {pid}, started {when}"


@contextmanager
def writer_lock(folder: Path) -> Iterator[str | None]:
    """Hold the folder's writer lock while inside; yields a note when a lock left by a killed
    process was taken over (None otherwise). FolderBusy when a live process holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.pread(fd, 200, 0).decode(errors="replace"))
            raise FolderBusy(f"{folder} is being written by another `oversight run` ({holder}); "
                             "wait for it to finish (`oversight status` shows its progress), "
                             "or choose another --out") from None
        previous = os.pread(fd, 200, 0).decode(errors="replace").strip()
        note = (f"took over the writer lock of {_holder(previous)}, which is no longer running"
                if previous else None)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {time.time():.3f}\n".encode(), 0)
        try:
            yield note
        finally:
            os.ftruncate(fd, 0)  # released cleanly: nothing to take over
    finally:
        os.close(fd)  # closing drops the flock
