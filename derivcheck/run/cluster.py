"""Grading on a Dask cluster: ``derivcheck grade … --cluster tcp://host:8786`` or ``--cluster local:N``.

Grading is a pure map over submissions, so a course too big for one machine (a MOOC, or every
term's archive regraded after a checker fix) is spread over an engine people already run, Dask
distributed, rather than a pool of our own. Only the running of walks moves: batch.py still reads
every submission, computes its key, skips those already graded, and writes each result atomically
as it arrives (its ``on_result``), so the progress bar and every output are those of one machine.

* Each submission is one task, keyed by its grade key (the hash of its bytes, the assignment, the
  sizes and the checker's source): identical submissions are graded once, and a client restarted
  while its tasks still run attaches to them instead of starting them again.
* The document travels with its task: workers need derivcheck installed (the same code: checked
  against the client's fingerprint), not the client's files.
* Inside a Dask worker, every step still runs in a step worker process of its own under the
  per-step time and memory limits (worker.Pool): a step that hangs is killed there, not the Dask
  worker. The step worker is kept from one submission to the next (per Dask thread), so its caches
  serve the whole class, as on one machine. Step workers start from a forkserver, not by forking
  the Dask worker: that process has threads (its event loop, its task threads, the profiler), and
  a child forked from it could wait forever on a lock another thread held at the fork; it would
  also inherit the worker's address space (thread stacks, malloc arenas), which counts against the
  memory limit (RLIMIT_AS) and would make a step's limit mean less than on one machine. The
  forkserver is single-threaded and has SymPy and derivcheck already imported, so a step worker
  still starts in milliseconds.
* Nothing is lost: a worker that dies mid-task has its task retried elsewhere by the scheduler, up
  to its ``allowed-failures`` (Dask's default 3); past that the submission gets a "could not be
  graded" result, written without its key so that the next run grades it again. A client killed
  and restarted resumes from the grades already written (batch.py), and writes the rest once.
* At most a window of tasks is in the scheduler at once (a few per worker thread), the longest
  documents first, so 100,000 submissions do not all sit in the scheduler's memory.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..read.source import Document
from ..verdict.checker import Options, check
from ..verdict.findings import DerivationResult, FinalResult
from .worker import Limits, Pool

#: ``local:N``: a LocalCluster of N worker processes on this machine.
LOCAL = re.compile(r"local:(\d+)")
#: A scheduler's address: ``tcp://host:8786``, ``tls://[::1]:8786``, or ``host:port``.
ADDRESS = re.compile(r"([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:.]+\]|[^\s/:\[\]]+)(:\d+)?/?")
MAX_LOCAL_WORKERS = 1024
CONNECT_SECONDS = 30
#: Tasks in the scheduler at once, per worker thread (and at least MIN_WINDOW).
WINDOW_PER_THREAD = 4
MIN_WINDOW = 64
#: A LocalCluster has no dashboard here, so its statistics (the profiler, the system monitor) would
#: only cost time, and its tasks (with no dependencies) are queued by the scheduler, so nothing is
#: left for work stealing to balance: measured idle, these settings take a 2-worker cluster's own
#: CPU from 0.07 to 0.016 core-seconds a second, which the steps get instead.
LOCAL_CONFIG = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "5s", "distributed.worker.memory.monitor-interval": "1s",
                "distributed.scheduler.work-stealing": False}
#: What a forkserver imports once, so that each step worker it forks starts ready.
PRELOAD = ["derivcheck.run.worker", "derivcheck.verdict.tasks", "derivcheck.verdict.repair",
           "derivcheck.verdict.reference"]
INSTALL = "pip install 'derivcheck[cluster]'"

#: on_result(index, result, reusable): ``reusable`` is False for a result that is not a grade
#: (its workers died), which a rerun must grade again.
OnResult = Callable[[int, DerivationResult, bool], None]


class ClusterError(click.ClickException):
    """The cluster cannot be used: Dask is not installed, the address is wrong or does not answer,
    or its workers run other derivcheck code. The command line exits 2 with the message (a usage
    error: nothing was graded)."""
    exit_code = 2


class OtherCode(RuntimeError):
    """Raised on a Dask worker whose derivcheck source differs from the client's."""


def check_spec(spec: str) -> None:
    """Refuse a ``--cluster`` value that is neither ``local:N`` nor an address, or any value when
    Dask is not installed; say what to type instead."""
    local = LOCAL.fullmatch(spec)
    if local and not 1 <= int(local.group(1)) <= MAX_LOCAL_WORKERS:
        raise ClusterError(f"--cluster {spec}: the number of local workers must be 1..{MAX_LOCAL_WORKERS}")
    if not local and (spec.startswith("local:") or not ADDRESS.fullmatch(spec)):
        raise ClusterError(f"--cluster {spec!r} is neither a scheduler address (tcp://host:8786) nor local:N")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ClusterError(f"--cluster needs Dask distributed, which is not installed: {INSTALL}") from None


def run_on_cluster(spec: str, docs: list[Document], options: Options, keys: list[str], weights: list[int],
                   limits: Limits, on_result: OnResult) -> None:
    """Grade ``docs`` on the cluster ``spec``, calling ``on_result`` in this thread as each is done
    (keys[i] is docs[i]'s grade key; equal keys are graded once)."""
    from ..grade.grade import code_fingerprint
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(f"derivcheck-grade-{key}", []).append(index)
    order = sorted(groups, key=lambda k: -weights[groups[k][0]])      # longest first, as on one machine
    fingerprint = code_fingerprint()
    with _client(spec) as client:
        _same_code(client, fingerprint)
        for key, result in _results(client, order, groups, docs, options, limits, fingerprint):
            for index in groups[key]:
                _deliver(on_result, index, docs[index], result)


def _results(client, order: list[str], groups: dict[str, list[int]], docs: list[Document], options: Options,
             limits: Limits, fingerprint: bytes) -> Iterator[tuple[str, DerivationResult | BaseException]]:
    """(task key, its result or the error that stopped it) as tasks finish, with a bounded window
    of tasks submitted ahead."""
    from distributed import as_completed
    waiting = iter(order)
    running = as_completed()
    window = _Window(client)

    def submit() -> None:
        """Fill the window again once it is half empty, in one message to the scheduler."""
        size = window.size()
        if running.count() > size // 2:
            return
        keys = [k for _, k in zip(range(size - running.count()), waiting)]
        if keys:
            firsts = [docs[groups[key][0]] for key in keys]
            running.update(client.map(grade_on_worker, firsts, options=options, limits=limits,
                                      fingerprint=fingerprint, key=keys))

    submit()
    for future in running:
        submit()
        yield future.key, _outcome(future)
        future.release()


class _Window:
    """How many tasks to keep in the scheduler: a few per worker thread, read again every few
    seconds as workers join or leave."""

    def __init__(self, client):
        self.client, self.read_at, self.threads = client, 0.0, 0

    def size(self) -> int:
        if time.monotonic() - self.read_at > 5:
            self.threads, self.read_at = sum(self.client.nthreads().values()), time.monotonic()
        return max(MIN_WINDOW, WINDOW_PER_THREAD * self.threads)


def _outcome(future) -> DerivationResult | BaseException:
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 - every way a task can fail becomes that submission's result
        return err


def _deliver(on_result: OnResult, index: int, doc: Document, outcome: DerivationResult | BaseException) -> None:
    if isinstance(outcome, DerivationResult):
        on_result(index, _as_file(outcome, doc.path), True)
        return
    result = DerivationResult(doc.path, "", "", [], FinalResult("none"),
                              error=f"could not be graded: {_why(outcome)}; the next run grades it again")
    on_result(index, result, False)


def _as_file(result: DerivationResult, path: str) -> DerivationResult:
    """A result computed from other copies of the same bytes, for the file at ``path``."""
    if result.file == path:
        return result
    from dataclasses import replace
    return replace(result, file=path, title=path if result.title == result.file else result.title)


def _why(error: BaseException) -> str:
    from distributed import KilledWorker
    if isinstance(error, KilledWorker):
        allowed = getattr(error, "allowed_failures", None)
        times = f" {allowed + 1} times" if isinstance(allowed, int) else ""
        last = getattr(error, "last_worker", None)
        return (f"the Dask workers grading it died{times}"
                + (f" (the last was {getattr(last, 'address', last)})" if last else ""))
    if isinstance(error, OtherCode):
        return str(error)
    name = type(error).__name__
    if name == "CancelledError":
        return "the scheduler dropped the task (was it restarted?)"
    return f"the Dask worker raised {name}: {error}"


# ----------------------------------------------------------------------------- the client

@contextmanager
def _client(spec: str):
    """A Dask client for ``spec``: a LocalCluster of N processes (one thread each) for ``local:N``,
    or a connection to the scheduler at the address."""
    import dask
    from distributed import Client, LocalCluster
    local = LOCAL.fullmatch(spec)
    if local:
        with dask.config.set(LOCAL_CONFIG), \
                LocalCluster(n_workers=int(local.group(1)), threads_per_worker=1, processes=True,
                             dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(spec, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(f"--cluster {spec}: no Dask scheduler answers there ({err})") from None
    with client:
        if not client.nthreads():
            logging.getLogger("derivcheck").warning("derivcheck: waiting for a Dask worker to join %s", spec)
            client.wait_for_workers(1)
        yield client


def _same_code(client, fingerprint: bytes) -> None:
    """Refuse a cluster whose workers run other derivcheck code: their grades would be filed
    under this code's keys."""
    try:
        theirs = client.run(_fingerprint)
    except Exception as err:  # noqa: BLE001 - whatever a worker raised, it cannot grade
        raise ClusterError(f"the Dask workers cannot run derivcheck ({type(err).__name__}: {err}): install "
                           f"derivcheck[cluster] there, the same version as here") from None
    other = sorted(worker for worker, value in theirs.items() if value != fingerprint)
    if other:
        raise ClusterError(f"the Dask workers {', '.join(other)} run other derivcheck code than this client: "
                           "install the same version there")


def _fingerprint() -> bytes:
    from ..grade.grade import code_fingerprint
    return code_fingerprint()


# ----------------------------------------------------------------------------- the worker

_KEPT = threading.local()


def grade_on_worker(doc: Document, options: Options, limits: Limits, fingerprint: bytes) -> DerivationResult:
    """One submission, on a Dask worker: its walk runs here, each step in a step worker under
    ``limits``."""
    if _fingerprint() != fingerprint:
        raise OtherCode(f"the Dask worker on {os.uname().nodename} runs other derivcheck code than the client")
    _allow_children()
    pool = Pool(size=1, limits=limits, start_method="forkserver", spare=_spare(limits.memory_mb))
    return pool.run([check(doc, options)])[0]


def _spare(memory_mb: int) -> list:
    """This thread's idle step workers started under ``memory_mb`` (kept between submissions)."""
    kept = getattr(_KEPT, "workers", None)
    if kept is None:
        kept = _KEPT.workers = {}
    return kept.setdefault(memory_mb, [])


def _allow_children() -> None:
    """Let this Dask worker start step workers.

    A Dask Nanny starts its worker as a daemonic process, and multiprocessing refuses children to
    a daemonic process, because it could be ended without stopping them. Step workers stop by
    themselves when this process ends (their pipe to it closes: an idle one at once, a busy one at
    the end of its step), so the flag is lifted here, for this process only."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)

