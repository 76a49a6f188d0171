"""Where series are played: a local pool of processes, or Dask (a LocalCluster or a
running scheduler).

Each executor takes tasks of one or more series (each a list of
:class:`~accord.protocol.tournament.TalkPlan`), plays each task in one worker
process with :mod:`accord.server.tournament.worker`, series after series,
and gives back their :class:`~accord.server.tournament.worker.SeriesOutcome` s
as tasks finish, in whatever order (the runner stores them keyed by talk id
and place in the plan, so that order never shows in the results). A task
holds several short series where the executor's cost per task would show
(:attr:`Executor.task_talks`): a Dask task costs the organizer, which runs
the scheduler, a few milliseconds, about what a talk takes.

- ``local``: :class:`concurrent.futures.ProcessPoolExecutor` with ``workers``
  processes, started from a fork server (no process is forked from the
  organizer's threads); each process is set up once.
- ``dask-local``: a :class:`distributed.LocalCluster` of ``workers`` processes
  with one thread each.
- ``dask://HOST:PORT``: a running scheduler; its workers need accord (and the
  strategies' modules) installed. The setup is scattered to every worker once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from accord.protocol.tournament import TalkPlan
from accord.server.tournament import worker
from accord.server.tournament.worker import SeriesOutcome, Setup

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "check_executor", "make_executor"]

LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""What a LocalCluster of ours does less of: the statistical profiler samples every
worker's stack every 10 ms, and each process wakes up 50 times a second to watch
its event loop and 10 times to watch its memory; on a small machine the talks pay
for every wake-up. (A running cluster keeps its own configuration.)"""
LOCAL_TASK_TALKS = 8
DASK_TASK_TALKS = 64
"""Talks a task holds at most (whole series; fewer when the tournament is small,
so that every worker gets several tasks)."""


class Executor(Protocol):
    """Plays series somewhere and hands back their outcomes."""

    description: str
    """For the progress line and the run record: ``local``, ``dask-local``, ``dask://…``."""
    slots: int
    """How many tasks can run at once (worker processes or threads)."""
    task_talks: int
    """About how many talks a task should hold, at most (whole series)."""

    def submit(self, batch: Sequence[Sequence[TalkPlan]]) -> Any:
        """Start one task (series after series); returns a future."""

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        """The futures among ``futures`` that have finished, waiting up to ``timeout``
        seconds for the first."""

    def result(self, future: Any) -> list[SeriesOutcome]:
        """The outcomes of a finished task's series (raises what the worker raised)."""

    def close(self, *, cancel: bool = False) -> None:
        """Shut down; with ``cancel``, drop what has not finished and stop at once."""


def check_executor(spec: str, workers: int | None) -> None:
    """Refuse (ValueError) an ``--executor`` or ``--workers`` that cannot be used, before
    anything starts."""

    if workers is not None and workers < 1:
        raise ValueError(f"--workers must be at least 1, not {workers}")
    if spec in ("local", "dask-local"):
        return
    if spec.startswith("dask://") and len(spec) > len("dask://"):
        return
    raise ValueError(f"unknown executor {spec!r}: use local, dask-local or dask://HOST:PORT")


def make_executor(spec: str, workers: int | None, setup: Setup) -> Executor:
    """An executor for ``--executor`` (``local``, ``dask-local`` or ``dask://HOST:PORT``)
    with ``workers`` processes (default: one per core; a running cluster has its own)."""

    check_executor(spec, workers)
    n = workers if workers is not None else (os.cpu_count() or 1)
    if spec == "local":
        return LocalExecutor(n, setup)
    if spec == "dask-local":
        return DaskExecutor(None, n, setup)
    return DaskExecutor("tcp://" + spec[len("dask://") :], n, setup)


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT ignored while processes are started (they keep it ignored)."""

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


class LocalExecutor:
    """A pool of ``workers`` processes on this machine."""

    def __init__(self, workers: int, setup: Setup) -> None:
        self.description = "local"
        self.slots = workers
        self.task_talks = LOCAL_TASK_TALKS
        self._key = setup.key
        context = multiprocessing.get_context("forkserver")
        # the fork server imports the engine and strategies once; workers start from it
        context.set_forkserver_preload(["accord.server.tournament.worker"])
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=worker.install, initargs=(setup,)
        )
        try:
            # start every process now (each sets the tournament up), so that start-up is
            # paid here, once, and not while the first series wait
            for future in [self._pool.submit(worker.ready) for _ in range(workers)]:
                future.result()
        except BaseException:
            self.close(cancel=True)
            raise

    def submit(
        self, batch: Sequence[Sequence[TalkPlan]]
    ) -> concurrent.futures.Future[list[SeriesOutcome]]:
        return self._pool.submit(worker.play_series, self._key, [tuple(p) for p in batch])

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        done, _ = concurrent.futures.wait(
            list(futures), timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED
        )
        return done

    def result(self, future: Any) -> list[SeriesOutcome]:
        return future.result()

    def close(self, *, cancel: bool = False) -> None:
        if cancel:
            # a series in flight is not stored: stop its process rather than wait for it
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=5)
        else:
            self._pool.shutdown(wait=True)


class DaskExecutor:
    """A Dask cluster: a LocalCluster of ``workers`` processes (``address`` None), or the
    scheduler at ``address``."""

    def __init__(self, address: str | None, workers: int, setup: Setup) -> None:
        try:
            import distributed
        except ImportError:
            raise ValueError(
                "the Dask executors need dask[distributed]: pip install 'accord[cluster]'"
            ) from None
        self._distributed = distributed
        self._cluster: Any = None
        self._submitted: set[Any] = set()
        self._results: dict[Any, Any] = {}
        self.task_talks = DASK_TASK_TALKS
        if address is None:
            self.description = "dask-local"
            import dask

            with _interrupts_ignored(), dask.config.set(LOCAL_CLUSTER_CONFIG):
                # its processes inherit the ignored SIGINT: Ctrl-C in the terminal
                # reaches the whole process group, and only the organizer should stop
                self._cluster = distributed.LocalCluster(
                    n_workers=workers,
                    processes=True,
                    threads_per_worker=1,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = distributed.Client(self._cluster)
        else:
            self.description = f"dask://{address.removeprefix('tcp://')}"
            self._client = distributed.Client(address)
        try:
            threads = self._client.nthreads()
            self.slots = max(1, sum(threads.values()))
            # every worker receives the setup once; each task gets it from memory
            self._setup = self._client.scatter(setup, broadcast=True, hash=False)
        except BaseException:
            self.close(cancel=True)
            raise

    def submit(self, batch: Sequence[Sequence[TalkPlan]]) -> Any:
        future = self._client.submit(
            worker.play_series_with, self._setup, [tuple(p) for p in batch], pure=False, retries=0
        )
        self._submitted.add(future)
        return future

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        pending = [f for f in futures if f not in self._results]
        done = {f for f in futures if f in self._results}
        if pending and not done:
            try:
                finished, _ = self._distributed.wait(
                    pending, timeout=timeout, return_when="FIRST_COMPLETED"
                )
            except TimeoutError:
                return set()
            fine = [f for f in finished if f.status == "finished"]
            # the results of every finished task in one round trip, not one each
            for future, result in zip(fine, self._client.gather(fine), strict=True):
                self._results[future] = result
            done = set(finished)
        return done

    def result(self, future: Any) -> list[SeriesOutcome]:
        self._submitted.discard(future)
        result = self._results.pop(future, None)
        if future.status == "error" or not isinstance(result, list):
            return future.result()  # raises what the worker raised
        return result

    def close(self, *, cancel: bool = False) -> None:
        try:
            if cancel and self._submitted:
                self._client.cancel(list(self._submitted), force=True)
            self._submitted.clear()
            self._results.clear()
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()
