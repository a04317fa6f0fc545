"""How fast `derivcheck grade` is on a class: 200 submissions made by mutating correct proofs.

    .venv/bin/python bench/grade_speed.py              # 200 submissions, 2 workers
    .venv/bin/python bench/grade_speed.py --count 50 --jobs 1
    .venv/bin/python bench/grade_speed.py --count 1000 --cluster local:2   # Dask against the pool

With ``--cluster``, the same mutated submissions are graded by the built-in pool (``--jobs``) and on
the Dask cluster given (``local:N``, or a scheduler's address), in the same process run, and the
throughput ratio is printed (Dask ÷ pool: 1.0 means the engine costs nothing; each submission
gets a comment of its own, so that the cluster cannot grade equal ones once), over the whole run
(cluster start included) and between the first and the last result (the steady rate, which is what
a course of 100,000 sees), with the per-submission cost in core-seconds and the client's cost of
writing one result (it writes every result, so its rate bounds a cluster's).

The submissions are the correct proofs in bench/proofs/ (five notations of the softmax-regression
gradient), each with 0-2 random student-like mistakes (bench/mutate.py, seeded). They are graded
against assignments/softmax-regression.yaml with no header, as a class would be. Printed: the wall
time against the 60 s target, the time per submission (from the worker that graded it), and the
same numbers for the unmutated proofs graded in the same process as a baseline (ratio = what
mistakes cost: invalid steps are refuted and searched for repairs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mutate import mutate  # noqa: E402

from derivcheck.grade.assignment import load_assignment  # noqa: E402
from derivcheck.run.batch import grade_files  # noqa: E402

TARGET_SECONDS = 60.0


def submissions(folder: Path, count: int, seed: int, mutated: bool, unique: bool = False) -> list[tuple[Path, str]]:
    """``count`` submissions; ``unique``: each with a comment of its own, so that no two have the
    same bytes (a cluster grades equal submissions once: comparing engines needs the same work)."""
    bases = sorted((ROOT / "bench" / "proofs").glob("*.md"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = []
    kinds: dict[str, int] = {}
    for i in range(count):
        base = bases[i % len(bases)]
        text = base.read_text(encoding="utf-8")
        if mutated:
            text, done = mutate(text, rng, rng.choice([0, 1, 1, 2]))
            for d in done:
                kinds[d] = kinds.get(d, 0) + 1
        path = folder / f"student{i:03d}_{base.stem}.md"
        path.write_text(text + (f"\n<!-- {path.stem} -->\n" if unique else ""), encoding="utf-8")
        out.append((path, path.stem))
    if mutated:
        print("mutations:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    return out


def run(count: int, jobs: int, mutated: bool, cluster: str | None = None, arrivals: list[float] | None = None,
        unique: bool = False) -> tuple[float, list[float], list[float]]:
    """Grade ``count`` submissions; ``arrivals``, when given, gets the time each result was written."""
    assignment = load_assignment(ROOT / "assignments" / "softmax-regression.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subs = submissions(folder / "in", count, seed=2026, mutated=mutated, unique=unique)
        start = time.perf_counter()
        graded = grade_files(subs, assignment, folder / "out", {}, jobs=0 if cluster else jobs, cluster=cluster,
                             progress=(lambda _: arrivals.append(time.perf_counter())) if arrivals is not None
                             else None)
        wall = time.perf_counter() - start
    return wall, [g.seconds for g in graded.grades], [g.score for g in graded.grades]


def compare_cluster(count: int, jobs: int, cluster: str) -> None:
    """The pool and the cluster on the same submissions: throughput ratio, per-submission cost."""
    import derivcheck.run.batch as batch
    writing: list[float] = []
    finish = batch._finish_grade

    def timed_finish(*args):
        began = time.perf_counter()
        try:
            return finish(*args)
        finally:
            writing.append(time.perf_counter() - began)

    batch._finish_grade = timed_finish
    rates, grades = {}, {}
    try:
        for label, spec in (("pool", None), ("cluster", cluster)):
            arrivals: list[float] = []
            with CPU() as cpu:
                wall, seconds, grades[label] = run(count, jobs, True, spec, arrivals, unique=True)
            steady = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
            rates[label] = (count / wall, steady, cpu.seconds / count)
            describe(f"{label} ({spec or f'--jobs {jobs}'})", wall, seconds, grades[label])
            print(f"  {count / wall:.2f} submissions/s over the whole run, {steady:.2f}/s from first to last result; "
                  f"{wall * jobs / count:.3f} core-seconds of wall time and {cpu.seconds / count:.3f} CPU-seconds "
                  f"(all its processes) per submission")
    finally:
        batch._finish_grade = finish
    (pool_rate, pool_steady, pool_cpu), (rate, steady, cpu) = rates["pool"], rates["cluster"]
    print(f"throughput ratio cluster ÷ pool: {rate / pool_rate:.2f} over the whole run, "
          f"{steady / pool_steady:.2f} from first to last result (goal ≥ 0.9); CPU per submission "
          f"pool ÷ cluster {pool_cpu / cpu:.2f}")
    print(f"same grades: {grades['pool'] == grades['cluster']}")
    print(f"the client writes one result in {statistics.mean(writing) * 1000:.1f} ms on average "
          f"(at most {1 / statistics.mean(writing):.0f} results/s)")


class CPU:
    """CPU seconds used by this process and all its descendants while in the block, sampled every
    0.2 s (a process that ends between samples loses at most that much)."""

    def __enter__(self):
        import threading
        import psutil      # installed with dask[distributed]
        self._psutil, self._seen, self._done = psutil, {}, threading.Event()
        self._sample()
        self._before = dict(self._seen)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self._sample()
        self.seconds = sum(t - self._before.get(pid, 0.0) for pid, t in self._seen.items())

    def _loop(self) -> None:
        while not self._done.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        me = self._psutil.Process()
        for process in [me, *me.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except self._psutil.Error:
                continue
            self._seen[process.pid] = times.user + times.system    # a process's own: each is sampled


def describe(label: str, wall: float, seconds: list[float], scores: list[float]) -> None:
    seconds = sorted(seconds)
    p90 = seconds[int(0.9 * (len(seconds) - 1))]
    print(f"{label}: {len(seconds)} submissions in {wall:.1f} s wall = {wall / TARGET_SECONDS:.2f} × the "
          f"{TARGET_SECONDS:g} s target; per submission mean {statistics.mean(seconds):.2f} s, median "
          f"{statistics.median(seconds):.2f} s, p90 {p90:.2f} s, max {seconds[-1]:.2f} s; mean score "
          f"{statistics.mean(scores):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cluster", default=None, metavar="local:N|ADDRESS",
                        help="compare the pool with grading on this Dask cluster")
    args = parser.parse_args()
    if args.cluster:
        compare_cluster(args.count, args.jobs, args.cluster)
        return
    base = run(args.count, args.jobs, mutated=False)
    describe("correct proofs (baseline)", *base)
    wall, seconds, scores = run(args.count, args.jobs, mutated=True)
    describe("mutated proofs", wall, seconds, scores)
    print(f"mutated ÷ correct wall time: {wall / base[0]:.2f}")
    slowest = max(seconds)
    print(f"slowest submission: {slowest:.2f} s")


if __name__ == "__main__":
    main()
