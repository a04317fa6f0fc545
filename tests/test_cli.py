"""The command line's contracts: exit codes, one-line errors, the JSON schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SOFTMAX_HEADER

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "derivcheck.run.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_document_exits_0_and_writes_reports(tmp_path):
    doc = write(tmp_path, "ok.md", SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n")
    out = run(doc, "--reports", tmp_path / "rep")
    assert out.returncode == 0, out.stderr
    assert "ok.md" in out.stdout
    assert (tmp_path / "rep" / "ok.md").read_text().startswith("# ok")
    assert (tmp_path / "rep" / "index.md").exists()


def test_invalid_step_exits_1(tmp_path):
    doc = write(tmp_path, "bad.md", SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 2$$\n")
    assert run(doc, "--no-reports").returncode == 1


def test_json_has_the_contract_fields(tmp_path):
    doc = write(tmp_path, "bad.md", SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 2$$\n")
    data = json.loads(run(doc, "--format", "json", "--no-reports").stdout)
    d = data["derivations"][0]
    assert {"file", "source", "steps", "final"} <= set(d)
    step = d["steps"][0]
    assert {"id", "line", "latex", "verdict", "reason", "counterexample", "repair"} <= set(step)
    assert step["verdict"] == "invalid" and step["latex"] == "\\sum_{k=1}^K y_k = 2"
    assert step["counterexample"]["lhs"] == "1.00000" and step["counterexample"]["rhs"] == "2.00000"
    assert "verdict" in d["final"]


def test_usage_and_input_errors_exit_2_with_one_line(tmp_path):
    cases = {
        "missing": [tmp_path / "nope.md"],
        "empty folder": [tmp_path],
        "bad sizes": ["derivations/", "--sizes", "K=zero"],
    }
    for what, args in cases.items():
        out = run(*args)
        assert out.returncode == 2, what
        assert "Traceback" not in out.stderr and out.stderr.strip(), what


def test_unreadable_files_do_not_stop_the_good_ones(tmp_path):
    write(tmp_path, "good.md", SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    write(tmp_path, "header.md", "---\nsizes: [unclosed\n---\n$$a=b$$\n")
    out = run(tmp_path, "--format", "json", "--no-reports")
    assert out.returncode == 2
    names = [Path(d["file"]).name for d in json.loads(out.stdout)["derivations"]]
    assert names == ["good.md"]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("derivcheck: ") for line in lines)
    assert "Traceback" not in out.stderr


def test_sizes_option_changes_the_instantiation(tmp_path):
    doc = write(tmp_path, "ok.md", SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n")
    data = json.loads(run(doc, "--sizes", "K=5,D=3", "--format", "json", "--no-reports").stdout)
    assert data["derivations"][0]["sizes"] == {"K": 5, "D": 3}
    assert "5 cases" in data["derivations"][0]["steps"][0]["reason"]
