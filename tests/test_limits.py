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
    out = subprocess.run([sys.executable, "-m", "derivcheck.cli", str(path), "--timeout", "2", "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    steps = json.loads(out.stdout)["derivations"][0]["steps"]
    assert [s["verdict"] for s in steps] == ["undecided", "valid", "unsupported"]
    assert "time limit of 2 s" in steps[0]["reason"]
    assert "power 1000000000" in steps[2]["reason"]
    assert out.returncode == 0
