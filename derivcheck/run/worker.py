"""Time- and memory-limited workers: every task runs in a process that can be killed.

SymPy does not honour signals reliably, so limits are enforced from outside: a worker that
overruns its time is killed and replaced, and the task is reported as ``undecided: time limit``.
A memory limit (RLIMIT_AS) turns runaway allocation into a MemoryError inside the worker.

Workers are forked from this process after SymPy is imported, so starting one costs almost
nothing. Each worker takes one document at a time and keeps it (its caches are per document
chain), documents longest first.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from ..verdict.checker import Walk
from ..verdict.findings import DerivationResult
from ..verdict.tasks import Result, Task, run_task

DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_MB = 2048


@dataclass
class Limits:
    seconds: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB


def _serve(conn: Connection, memory_mb: int) -> None:
    """The worker's loop: receive a task, run it, send the result; stop at end of input."""
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        start = time.perf_counter()
        try:
            result = run_task(task)
        except MemoryError:
            result = Result(failure="memory", message=f"memory limit of {memory_mb} MB reached")
        except RecursionError:
            result = Result(failure="unsupported", message="the expression is nested too deeply")
        result.seconds = time.perf_counter() - start
        try:
            conn.send(result)
        except (OSError, MemoryError):
            return


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    walk: int | None = None
    task: Task | None = None
    started: float = 0.0


@dataclass
class Pool:
    """Runs document walks on ``size`` worker processes under ``limits``; ``on_result`` hears of each
    finished document, ``on_task`` of each finished task (a step decided, a repair tried: progress).

    ``start_method`` is how worker processes start: ``fork`` from this process, or ``forkserver``
    where this process has threads (a Dask worker: cluster.py). ``spare``, when given, holds idle
    workers: a run takes them before starting new ones and hands its live ones back at the end, so
    their caches outlive one run (a Dask worker grades one submission per run)."""
    size: int
    limits: Limits = field(default_factory=Limits)
    on_result: Callable[[int, DerivationResult], None] | None = None
    on_task: Callable[[], None] | None = None
    start_method: str = "fork"
    spare: list[_Worker] | None = None

    def run(self, walks: list[Walk], weights: list[int] | None = None) -> list[DerivationResult]:
        self._began: dict[int, float] = {}
        order = sorted(range(len(walks)), key=lambda i: -(weights[i] if weights else 0))
        results: list[DerivationResult | None] = [None] * len(walks)
        waiting = list(order)
        workers = [self._take() for _ in range(max(1, min(self.size, len(walks))))]
        try:
            while waiting or any(w.walk is not None for w in workers):
                for worker in workers:
                    while worker.walk is None and waiting:
                        index = waiting.pop(0)
                        self._start(worker, index, walks, results)
                busy = [w for w in workers if w.walk is not None]
                if not busy:
                    continue
                now = time.monotonic()
                timeout = max(0.0, min(w.started + self.limits.seconds for w in busy) - now)
                ready = wait([w.conn for w in busy], timeout=timeout)
                for worker in busy:
                    if worker.conn in ready:
                        result = self._receive(worker)
                    elif time.monotonic() - worker.started >= self.limits.seconds:
                        result = Result(failure="time", seconds=self.limits.seconds,
                                        message=f"time limit of {self.limits.seconds:g} s reached")
                    else:
                        continue
                    if result.failure in ("time", "crash"):
                        self._replace(workers, worker)
                        worker = workers[-1]
                    if self.on_task:
                        self.on_task()
                    self._advance(worker, walks, results, result)
        finally:
            for worker in workers:
                self._release(worker)
        return results

    # ---- walks
    def _start(self, worker: _Worker, index: int, walks: list[Walk], results: list) -> None:
        self._began[index] = time.monotonic()
        try:
            task = next(walks[index])
        except StopIteration as stop:
            self._finish(index, stop.value, results)
            return
        worker.walk = index
        self._send(worker, task)

    def _advance(self, worker: _Worker, walks: list[Walk], results: list, result: Result) -> None:
        index = worker.walk
        try:
            task = walks[index].send(result)
        except StopIteration as stop:
            worker.walk = worker.task = None
            self._finish(index, stop.value, results)
            return
        self._send(worker, task)

    def _finish(self, index: int, result: DerivationResult, results: list) -> None:
        result.seconds = time.monotonic() - self._began.get(index, time.monotonic())
        results[index] = result
        if self.on_result:
            self.on_result(index, result)

    # ---- processes
    def _take(self) -> _Worker:
        while self.spare:
            worker = self.spare.pop()
            if worker.process.is_alive():
                return worker
            self._stop(worker)
        return self._spawn()

    def _release(self, worker: _Worker) -> None:
        """Keep an idle live worker for the next run if asked to; stop it otherwise (one that
        still holds a walk was interrupted mid-task, and its pipe may hold half an answer)."""
        if self.spare is not None and worker.walk is None and worker.process.is_alive():
            self.spare.append(worker)
        else:
            self._stop(worker)

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context(self.start_method)
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.limits.memory_mb), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _send(self, worker: _Worker, task: Task) -> None:
        worker.task = task
        worker.started = time.monotonic()
        worker.conn.send(task)

    def _receive(self, worker: _Worker) -> Result:
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            code = worker.process.exitcode
            return Result(failure="crash", message=f"the worker process stopped (exit code {code})")

    def _replace(self, workers: list[_Worker], worker: _Worker) -> None:
        """Kill a worker that overran or died, and put a fresh one (same document) in its place."""
        self._stop(worker)
        fresh = self._spawn()
        fresh.walk, fresh.task, fresh.started = worker.walk, worker.task, worker.started
        workers.remove(worker)
        workers.append(fresh)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()


def _run_one(conn: Connection, memory_mb: int, func, args: tuple) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", func(*args)))
    except MemoryError:
        conn.send(("memory", f"memory limit of {memory_mb} MB reached"))
    except Exception as err:  # noqa: BLE001 - reported to the parent, which decides what it means
        conn.send(("error", err))


def run_limited(func, args: tuple, limits: Limits):
    """``func(*args)`` in a forked process under ``limits``; its result, or raise LimitError."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_run_one, args=(child, limits.memory_mb, func, args), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(limits.seconds):
            raise LimitError(f"time limit of {limits.seconds:g} s reached")
        try:
            kind, value = parent.recv()
        except (EOFError, OSError):
            raise LimitError(f"the worker process stopped (exit code {process.exitcode})") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent.close()
    if kind == "ok":
        return value
    if kind == "memory":
        raise LimitError(value)
    raise value


class LimitError(RuntimeError):
    """A limited job ran out of time or memory, or its process died."""


def default_size() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
