"""Where runs execute: in this process, in a local process pool, or on a Ray cluster.

Each executor takes the pending runs and yields one record per run as it finishes (in completion
order); `execute` is the same pure function everywhere, so a run gives identical metrics
under every executor. Only the caller writes to the store.
"""

from __future__ import annotations

import socket
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from oversight.analysis.failures import classify_failures
from oversight.analysis.overoptimization import as_results, best_of_n, temperature_sweep
from oversight.experiments.processes import stop_pool
from oversight.experiments.spec import ArmSpec, run_key
from oversight.protocols import Overseer
from oversight.types import RunResult
from oversight.worlds.engine import TabularWorld

ExecutorKind = Literal["serial", "local", "ray"]


@dataclass(frozen=True)
class Run:
    key: str
    arm: ArmSpec
    seed: int
    folder: Path | None = None  # the output folder (the human overseer's label queue is there)


def execute(run: Run) -> dict[str, Any]:
    """Run one arm × seed in this process; never raises (errors are part of the record)."""
    import torch

    torch.set_num_threads(1)
    record: dict[str, Any] = {"key": run.key, "arm": run.arm.name, "seed": run.seed,
                              "config": run.arm.resolved(), "started": time.time()}
    start = time.perf_counter()
    try:
        from oversight.experiments.kinds import run_arm

        arm = run.arm
        result, world, overseer = run_arm(arm, run.seed, run.folder, label_key(arm, run.seed))
        analysis_rng = np.random.default_rng([run.seed, 1])  # leaves the run's stream as it was
        metrics, curves = dict(result.metrics), dict(result.curves)
        if overseer is not None:  # digits runs have no analyses
            for name in arm.analyses:
                m, c = analyse(name, world, overseer, result, analysis_rng, arm.failure_bar)
                metrics |= m
                curves |= c
        record |= {"status": "done", "metrics": {k: float(v) for k, v in metrics.items()},
                   "curves": curves, "judgments": result.judgments}
    except Exception as e:  # a failing run is recorded, the others go on
        record |= {"status": "failed", "error": f"{type(e).__name__}: {e}",
                   "traceback": traceback.format_exc()}
    record["wall_seconds"] = time.perf_counter() - start
    return record


def label_key(arm: ArmSpec, seed: int) -> str:
    """The key of a human arm's label batches: its run key computed without `wait`, so a rerun
    that only waits longer resumes the same batches (web/human.py)."""
    params = {k: v for k, v in arm.overseer_params.items() if k != "wait"}
    return run_key(arm.model_copy(update={"overseer_params": params}), seed)


def analyse(
    name: str, world: TabularWorld, overseer: Overseer, result: RunResult,
    rng: np.random.Generator, failure_bar: float = 0.5,
) -> tuple[dict[str, float], dict[str, list[tuple[int, float]]]]:
    """Run a named analysis on a finished run: (extra metrics, extra curves)."""
    art = result.artefacts
    match name:
        case "failures":
            if art["history"] is None:
                return {"failures": float("nan")}, {}
            queries, judged = art["history"]
            report = classify_failures(world, art["policy"], art["ensemble"], overseer, queries,
                                       judged, rng, bar=failure_bar)
            return report.metrics(), {}
        case "overoptimization":
            if art["ensemble"] is None:
                return {}, {}
            metrics: dict[str, float] = {}
            curves: dict[str, list[tuple[int, float]]] = {}
            for kind, points in (("temperature", temperature_sweep(world, art["ensemble"])),
                                 ("best_of_n", best_of_n(world, art["ensemble"], rng))):
                m, c = as_results(kind, points)
                metrics |= m
                curves |= c
            return metrics, curves
    raise ValueError(f"unknown analysis {name!r}")


def _one_thread() -> None:
    import torch

    from oversight.experiments.processes import die_with_parent

    die_with_parent()  # killed with the parent, whatever kills it; Ctrl-C is the parent's
    torch.set_num_threads(1)


def serial(runs: list[Run]) -> Iterator[dict[str, Any]]:
    yield from (execute(r) for r in runs)


def local(runs: list[Run], workers: int) -> Iterator[dict[str, Any]]:
    """A pool of `workers` processes, one torch thread each. If a worker process dies (killed,
    out of memory, a crash in native code), the pool cannot tell which run killed it: the runs
    not yet finished are then run one at a time, each in a fresh process, so the one that
    kills its process is recorded as failed and the others go on."""
    if not runs:
        return
    finished: set[str] = set()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(runs)), initializer=_one_thread)
    try:
        futures = [pool.submit(execute, r) for r in runs]
        for f in as_completed(futures):
            record = f.result()
            finished.add(record["key"])
            yield record
        return
    except BrokenProcessPool:
        pass
    except BaseException:  # Ctrl-C, SIGTERM or an early stop: the workers are killed now
        stop_pool(pool)
        raise
    finally:  # on Ctrl-C or an early stop: drop what has not started, wait for nothing
        pool.shutdown(wait=False, cancel_futures=True)
    for run in (r for r in runs if r.key not in finished):
        with ProcessPoolExecutor(max_workers=1, initializer=_one_thread) as alone:
            try:
                yield alone.submit(execute, run).result()
            except BrokenProcessPool:
                yield {"key": run.key, "arm": run.arm.name, "seed": run.seed,
                       "config": run.arm.resolved(), "status": "failed",
                       "error": "the worker process running this run died (killed, out of "
                                "memory or crashed)"}
            except BaseException:  # Ctrl-C: kill the worker, do not wait for its run
                stop_pool(alone)
                raise


def on_ray_node(run: Run) -> dict[str, Any]:
    """`execute` as a Ray task: the record also names the Ray node it ran on (stored beside the
    run, not in its metrics), which shows how a cluster spread the runs."""
    import ray as ray_module

    return execute(run) | {"node": ray_module.get_runtime_context().get_node_id()}


RAY_RETRIES = 3  # a task whose node dies is run again elsewhere, up to this many times


def ray(runs: list[Run], workers: int, address: str | None) -> Iterator[dict[str, Any]]:
    """Ray's task API: one task per run, one CPU each. With `address`, join that cluster;
    otherwise start a local Ray instance bound to 127.0.0.1 with `workers` CPUs. A task lost
    with its node is retried on another (RAY_RETRIES); one lost more often than that is
    recorded as failed, and the others go on."""
    try:
        import ray as ray_module
    except ImportError:
        raise RuntimeError("the ray executor needs Ray: pip install 'oversight-lab[ray]'") from None
    started = not ray_module.is_initialized()
    if started:
        if address:
            check_reachable(address)
        try:
            if address:
                ray_module.init(address=address, log_to_driver=False)
            else:
                ray_module.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                                _node_ip_address="127.0.0.1")
        except Exception as e:  # Ray raises ConnectionError, RuntimeError, ValueError...
            where = f"the Ray cluster at {address}" if address else "a local Ray instance"
            raise RuntimeError(f"could not start or reach {where}: {e}") from None
    pending: dict[Any, Run] = {}
    try:
        remote = ray_module.remote(num_cpus=1, max_retries=RAY_RETRIES)(on_ray_node)
        pending = {remote.remote(r): r for r in runs}
        while pending:
            ready, _ = ray_module.wait(list(pending), num_returns=1)
            run = pending.pop(ready[0])
            try:
                yield ray_module.get(ready[0])
            except ray_module.exceptions.RayError as e:  # `execute` itself never raises
                yield {"key": run.key, "arm": run.arm.name, "seed": run.seed,
                       "config": run.arm.resolved(), "status": "failed",
                       "error": ray_failure(e, ray_module.exceptions.RayTaskError)}
    finally:
        for ref in pending:  # Ctrl-C or an early stop: nothing left running on the cluster
            with suppress(Exception):  # a cluster already gone has nothing to cancel
                ray_module.cancel(ref, force=True)
        if started:
            ray_module.shutdown()


def ray_failure(error: Exception, task_error: type[Exception]) -> str:
    """Why Ray gave no record for a run, in one line."""
    if isinstance(error, task_error):  # it failed on its node before `execute` ran: e.g. the
        cause = getattr(error, "cause", None) or error  # run's outside package is missing there
        return f"the Ray task failed on its node: {type(cause).__name__}: {cause}"
    first = (str(error).splitlines() or [""])[0]
    return (f"Ray lost this run {RAY_RETRIES + 1} times (its worker or node died): "
            f"{type(error).__name__}: {first}")


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """A one-line error when nothing listens at HOST:PORT (`ray.init` would retry for minutes,
    logging as it goes). Other forms (`auto`, `ray://...`) are left to Ray."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "/" in host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise RuntimeError(f"no Ray cluster answers at {address} ({e.strerror or e}): start one "
                           "with `ray start --head`, or check --address") from None


def execute_all(runs: list[Run], kind: ExecutorKind, workers: int,
                address: str | None = None) -> Iterator[dict[str, Any]]:
    match kind:
        case "serial":
            return serial(runs)
        case "local":
            return local(runs, workers)
        case "ray":
            return ray(runs, workers, address)
    raise ValueError(f"unknown executor {kind!r}; expected serial, local or ray")
