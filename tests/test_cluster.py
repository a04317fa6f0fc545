"""Grading on a Dask cluster (cluster.py), on a LocalCluster of 2 worker processes: the grades of
this machine's pool, a step past its limit killed inside the Dask worker (not the worker), a
worker killed mid-batch and every grade still written once, a client killed and restarted, and a
submission whose workers keep dying graded "could not be graded" and then graded on the next run."""

from __future__ import annotations

import csv
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="Dask distributed is not installed: pip install 'derivcheck[cluster]'")

from distributed import Client, KilledWorker, LocalCluster  # noqa: E402

from derivcheck.grade.assignment import load_assignment  # noqa: E402
from derivcheck.run import cluster as cluster_module  # noqa: E402
from derivcheck.run.batch import grade_files  # noqa: E402
from derivcheck.run.worker import Limits  # noqa: E402

from test_infer import FIXTURES  # noqa: E402
from test_limits import SLOW  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "softmax-regression.yaml"
PROOFS = ROOT / "bench" / "proofs"
#: Fields that differ from one run to the next: how long a submission took.
TIMES = ("seconds",)


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes, one thread each; a task whose worker dies is retried once, then erred."""
    import dask
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=logging.CRITICAL) as local, Client(local) as client:
        client.run(cluster_module._allow_children)   # start each worker's forkserver before any test times it
        yield local.scheduler_address, client


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(ASSIGNMENT)


def _class(folder: Path, count: int = 4) -> Path:
    """``count`` submissions: correct proofs in two notations, one with a sign error carried to the
    end, a file that is not a proof, and a copy of the first (the same bytes: one task)."""
    folder.mkdir(parents=True, exist_ok=True)
    bishop = (FIXTURES / "softmax_bishop.md").read_text()
    files = {"alice.md": bishop,
             "bob.md": (PROOFS / "softmax_class_label.md").read_text(),
             "carol.md": bishop.replace(r"&= (y_j - t_j) x_d", r"&= (t_j - y_j) x_d"),
             "dan.md": "no math here\n",
             "erin.md": bishop}
    for i, (name, text) in enumerate(files.items()):
        if i < count:
            (folder / name).write_text(text)
    return folder


def _submissions(folder: Path) -> list[tuple[Path, str]]:
    return [(p, p.stem) for p in sorted(folder.glob("*.md"))]


def _without_times(data):
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if k not in TIMES}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


def _outputs(out: Path) -> dict[str, object]:
    """Every file a grading run wrote, timings taken out."""
    found: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            name = path.relative_to(out).as_posix()
            text = path.read_text()
            if path.suffix == ".json":
                found[name] = _without_times(json.loads(text))
            elif path.name == "gradebook.csv":
                found[name] = [_without_times(row) for row in csv.DictReader(text.splitlines())]
            else:
                found[name] = text
    return found


def _grade_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "derivcheck.run.cli", "grade", *args, "--assignment", str(ASSIGNMENT)]


def test_the_cluster_writes_the_same_grades_and_files_as_the_local_pool(tmp_path, dask_cluster, assignment):
    address, _ = dask_cluster
    subs = _submissions(_class(tmp_path / "in", count=5))
    seen: list[str] = []
    local = grade_files(subs, assignment, tmp_path / "local", {}, jobs=2)
    remote = grade_files(subs, assignment, tmp_path / "cluster", {}, progress=seen.append, cluster=address)
    assert sorted(seen) == ["alice", "bob", "carol", "dan", "erin"]   # the progress bar: once each
    assert [g.score for g in remote.grades] == [g.score for g in local.grades] == [10, 10, 2.5, 0, 10]
    assert _outputs(tmp_path / "cluster") == _outputs(tmp_path / "local")   # erin's files name erin's file
    carol = json.loads((tmp_path / "cluster" / "carol" / "grade.json").read_text())
    assert any(s["verdict"] == "invalid" and s["counterexample"] for s in carol["steps"])


def test_a_step_past_its_time_limit_is_killed_inside_the_dask_worker_not_the_worker(tmp_path, dask_cluster,
                                                                                     assignment):
    address, client = dask_cluster
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "slow.md").write_text(SLOW)
    before = client.run(os.getpid)
    grade_files(_submissions(tmp_path / "in"), assignment, tmp_path / "out", {}, Limits(seconds=2), cluster=address)
    steps = json.loads((tmp_path / "out" / "slow" / "grade.json").read_text())["steps"]
    assert [s["verdict"] for s in steps] == ["undecided", "valid", "unsupported"]
    assert "time limit of 2 s" in steps[0]["reason"]
    assert client.run(os.getpid) == before                              # no Dask worker was lost


def test_a_worker_killed_mid_batch_has_its_task_retried_and_every_grade_is_written_once(tmp_path, dask_cluster,
                                                                                        assignment):
    address, client = dask_cluster
    subs = _submissions(_class(tmp_path / "in"))
    seen: list[str] = []
    batch = threading.Thread(target=grade_files, args=(subs, assignment, tmp_path / "out", {}),
                             kwargs={"progress": seen.append, "cluster": address})
    batch.start()
    killed = _kill_a_worker_while_it_grades(client)
    batch.join(timeout=120)
    assert killed, "no worker was seen grading"
    assert not batch.is_alive()
    assert sorted(seen) == ["alice", "bob", "carol", "dan"]            # every grade once, none lost
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").read_text().splitlines()))
    assert [(r["student"], float(r["score"]), r["error"]) for r in rows] == [
        ("alice", 10, ""), ("bob", 10, ""), ("carol", 2.5, ""), ("dan", 0, rows[3]["error"])]
    assert "no display math" in rows[3]["error"]
    client.wait_for_workers(2, timeout=60)                               # the nanny restarted it ...
    assert killed not in client.run(os.getpid)                           # ... as a new worker


def _kill_a_worker_while_it_grades(client: Client, limit: float = 60.0) -> str | None:
    """SIGKILL the first worker seen running a grading task; its address."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for worker, keys in client.processing().items():
            if any(str(k).startswith("derivcheck-grade-") for k in keys):
                os.kill(pids[worker], signal.SIGKILL)
                return worker
        time.sleep(0.01)
    return None


def test_a_client_killed_and_restarted_finishes_with_every_grade_once(tmp_path, dask_cluster):
    address, _ = dask_cluster
    folder = _class(tmp_path / "in")
    for i in range(2):      # more work, so that the kill comes mid-batch
        (folder / f"extra{i}.md").write_text((PROOFS / "softmax_mean.md").read_text() + f"\n<!-- {i} -->\n")
    out = tmp_path / "out"
    cmd = _grade_cmd(str(folder), "--out", str(out), "--cluster", address)
    run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(_graded(out)) < 2:
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done = _graded(out)
    assert 0 < len(done) < 6, "killed too late to test anything"
    finished = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 1, finished.stderr                   # dan.md is not a proof
    assert f"graded {6 - len(done)}, already graded {len(done)}" in finished.stdout
    assert {name: _graded(out)[name] for name in done} == done          # not written again
    rows = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    assert sorted(r["student"] for r in rows) == ["alice", "bob", "carol", "dan", "extra0", "extra1"]


def _graded(out: Path) -> dict[str, tuple[int, int]]:
    """Each grade written: (inode, mtime) of its grade.json, which a rewrite changes."""
    found = {}
    for path in out.glob("*/grade.json"):
        json.loads(path.read_text())                                     # whole, never half written
        stat = path.stat()
        found[path.parent.name] = (stat.st_ino, stat.st_mtime_ns)
    return found


def test_a_submission_whose_workers_keep_dying_is_could_not_be_graded_then_graded_by_the_next_run(
        tmp_path, dask_cluster, assignment, monkeypatch):
    address, _ = dask_cluster
    subs = _submissions(_class(tmp_path / "in", count=2))
    real = cluster_module._outcome

    def bob_keeps_killing_workers(future):
        result = real(future)
        if getattr(result, "file", "").endswith("bob.md"):
            return KilledWorker(future.key, "tcp://127.0.0.1:1", allowed_failures=1)
        return result

    monkeypatch.setattr(cluster_module, "_outcome", bob_keeps_killing_workers)
    first = grade_files(subs, assignment, tmp_path / "out", {}, cluster=address)
    bob = next(g for g in first.grades if g.student == "bob")
    assert bob.score == 0 and bob.error.startswith("could not be graded: the Dask workers grading it died 2 times")
    assert "the next run grades it again" in bob.error
    assert "could not be graded" in (tmp_path / "out" / "bob" / "feedback.md").read_text()
    monkeypatch.setattr(cluster_module, "_outcome", real)
    second = grade_files(subs, assignment, tmp_path / "out", {}, cluster=address)
    assert second.reused == 1 and [g.score for g in second.grades] == [10, 10]


@pytest.mark.parametrize("spec", ["tcp://127.0.0.1:8786", "localhost:8786", "tls://[::1]:8786", "scheduler", "local:4"])
def test_a_cluster_is_a_scheduler_address_or_local_n(spec):
    cluster_module.check_spec(spec)


@pytest.mark.parametrize("spec, message", [("local:0", "1..1024"), ("local:two", "neither"),
                                           ("nowhere to go", "neither"), ("", "neither")])
def test_anything_else_is_refused_with_what_to_type(spec, message):
    with pytest.raises(cluster_module.ClusterError, match=message):
        cluster_module.check_spec(spec)


def test_cluster_usage_errors_exit_2_before_anything_is_graded(tmp_path):
    _class(tmp_path / "in", count=1)
    for args, message in [(["--cluster", "local:0"], "1..1024"), (["--cluster", "local:2", "--jobs", "2"], "--jobs")]:
        run = subprocess.run(_grade_cmd(str(tmp_path / "in"), "--out", str(tmp_path / "out"), *args), cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and message in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_without_dask_the_cluster_option_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(cluster_module.ClusterError, match=r"pip install 'derivcheck\[cluster\]'"):
        cluster_module.check_spec("tcp://127.0.0.1:8786")
