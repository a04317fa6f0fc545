"""Every step runs under a time limit enforced from outside SymPy; the others still get decided."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SLOW = r"""---
sizes: {D: 6}
indices: {i: D}
symbols: {'x_i': input}
---
$$\left(\sum_{i=1}^{D} x_i\right)^{40} (x_1 - x_2) = \left(\sum_{i=1}^{D} x_i\right)^{40} x_1 - \left(\sum_{i=1}^{D} x_i\right)^{40} x_2$$

$$x_1 + x_2 = x_2 + x_1$$

$$x_1^{10^{9}} = x_1^{1000000000}$$
"""


def test_a_step_past_its_time_limit_is_undecided_and_the_rest_are_decided(tmp_path):
    path = tmp_path / "slow.md"
    path.write_text(SLOW)
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(path), "--timeout", "2", "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    steps = json.loads(out.stdout)["derivations"][0]["steps"]
    assert [s["verdict"] for s in steps] == ["undecided", "valid", "unsupported"]
    assert "time limit of 2 s" in steps[0]["reason"]
    assert "power 1000000000" in steps[2]["reason"]
    assert out.returncode == 0


MEMORY = r"""---
sizes: {D: 1000}
indices: {i: D}
symbols: {'x_i': input}
---
$$\left(\sum_{i=1}^{D} x_i\right)^{2} (x_1 - x_2) = \left(\sum_{i=1}^{D} x_i\right)^{2} x_1 - \left(\sum_{i=1}^{D} x_i\right)^{2} x_2$$

$$x_1 + x_2 = x_2 + x_1$$
"""


def test_a_step_past_its_memory_limit_is_undecided_and_the_rest_are_decided(tmp_path):
    path = tmp_path / "memory.md"
    path.write_text(MEMORY)
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(path), "--memory", "600", "--timeout", "120",
                          "--format", "json", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    steps = json.loads(out.stdout)["derivations"][0]["steps"]
    assert [s["verdict"] for s in steps] == ["undecided", "valid"]
    assert "memory limit of 600 MB" in steps[0]["reason"]


def test_a_run_killed_halfway_keeps_whole_reports_and_a_rerun_completes(tmp_path):
    import os
    import signal
    import time
    reports = tmp_path / "reports"
    cmd = [sys.executable, "-m", "derivcheck.run.cli", "derivations/", "--reports", str(reports), "--jobs", "1"]
    run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list(reports.glob("*.json")):
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    finished = list(reports.glob("*.json"))
    assert finished and len(finished) < 5, "killed too late to test anything"
    for path in finished:
        json.loads(path.read_text())                      # whole, never half written
        assert (reports / f"{path.stem}.md").read_text().startswith("# ")
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300).returncode == 1
    assert sorted(p.stem for p in reports.glob("*.json")) == sorted(p.stem for p in (ROOT / "derivations").glob("*.md"))
    assert (reports / "index.md").exists()
