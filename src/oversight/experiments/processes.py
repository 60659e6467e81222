"""Worker processes that die with their parent, and a parent that stops at once.

A process pool's workers outlive a parent killed by `kill -9` (nothing runs in the parent to
stop them; they are reparented and go on computing, ~300 MB each). On Linux a worker asks the
kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)`), whatever killed the
parent. Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the parent alone
decides what to keep; it then kills the workers (`stop_pool`) instead of waiting for their runs
to finish. `interrupt_on_sigterm` makes `kill -TERM` on the parent behave as Ctrl-C does.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from types import FrameType

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """In a worker process: be killed when the parent dies, and leave Ctrl-C to the parent.
    (Linux; elsewhere only the SIGINT part applies.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None and os.getppid() != parent.pid:
        os._exit(1)  # the parent died before the request took effect


def stop_pool(pool: Executor) -> None:
    """Cancel what has not started and kill the workers now (their runs are lost, and will be
    run again on resume); does not wait for them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):  # already gone
            pass
    # Let the pool's manager thread finish closing its wake-up pipe now: at interpreter exit
    # concurrent.futures writes to that pipe, and a close racing the write prints a traceback
    # ("Bad file descriptor") after the one-line message.
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None and manager.is_alive():
        manager.join(timeout=2)


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with the parent; on an exception (Ctrl-C included) its
    workers are killed instead of awaited."""
    pool = ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """While inside: SIGTERM raises KeyboardInterrupt in the main thread, so `kill -TERM`
    stops a command the way Ctrl-C does (finished work kept, workers killed)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
