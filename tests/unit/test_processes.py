"""Worker processes die with their parent; an interrupted pool is killed, not awaited."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oversight.experiments.processes import interrupt_on_sigterm, worker_pool

SRC = Path(__file__).resolve().parents[2] / "src"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def test_an_interrupted_pool_kills_its_workers_instead_of_waiting() -> None:
    with pytest.raises(KeyboardInterrupt), worker_pool(2) as pool:
        futures = [pool.submit(time.sleep, 600) for _ in range(2)]
        pids = list(pool._processes)  # the workers, started by submit
        while not all(f.running() for f in futures):
            time.sleep(0.01)
        raise KeyboardInterrupt  # as Ctrl-C in the parent
    assert _wait_gone(pids), "workers still sleeping after the interrupt"


def test_a_finished_pool_returns_results() -> None:
    with worker_pool(2) as pool:
        assert list(pool.map(abs, [-1, -2, 3])) == [1, 2, 3]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_when_the_parent_is_killed() -> None:
    script = (
        "import time\n"
        "from oversight.experiments.processes import worker_pool\n"
        "with worker_pool(2) as pool:\n"
        "    fs = [pool.submit(time.sleep, 600) for _ in range(2)]\n"
        "    while not all(f.running() for f in fs): time.sleep(0.01)\n"
        "    print(*pool._processes, flush=True)\n"
        "    time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 2
    proc.kill()
    proc.wait()
    try:
        assert _wait_gone(pids), "workers outlived their parent"
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


def test_sigterm_is_an_interrupt_inside_and_restored_after() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), interrupt_on_sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted long before
    assert signal.getsignal(signal.SIGTERM) == before
