"""Grading: assignment files, final answers against the reference in any notation, fair scores,
the outputs (feedback, Gradescope, gradebook, JSON), batches that survive broken submissions and
reruns that skip graded work."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derivcheck.grade.assignment import AssignmentError, load_assignment
from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.grade.grade import score
from derivcheck.read.source import read_document

from test_infer import FIXTURES, body
from test_seeds import EXPECTED, LETTER

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "softmax-regression.yaml"


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(ASSIGNMENT)


def graded(text: str, assignment, name: str = "student.md"):
    doc = read_document(name, text)
    options = Options(defaults=assignment.defaults, reference=assignment.reference)
    result = run_inline(check(doc, options))
    return result, score(result, assignment, Path(name).stem)


@pytest.fixture(scope="module")
def seeds(assignment):
    return {name: graded(body(name), assignment, f"{name}.md") for name in EXPECTED}


def test_the_seeds_graded_with_no_header_keep_the_verdicts_of_derivations(seeds):
    for name, expected in EXPECTED.items():
        result, _ = seeds[name]
        assert "".join(LETTER[s.verdict] for s in result.steps) == expected, name


def test_every_seed_final_answer_matches_the_reference_in_its_own_notation(seeds):
    for name, (result, grade) in seeds.items():
        checks = [t.reference for t in result.final.targets]
        assert checks and all(c.verdict == "correct" for c in checks), name
        assert next(i for i in grade.items if i.name == "final").score == 6, name


def test_scores_follow_the_rubric(seeds):
    def items(name):
        return {i.name: i.score for i in seeds[name][1].items}
    assert items("001_36c22d76a2383576") == {"final": 6, "steps": 3, "stated": 1}
    # 000: one damaged line whose reading is right (a typo); z and g are used and never defined
    assert items("000_4fc6b41a1466133b") == {"final": 6, "steps": 2.7, "stated": 0}
    # 003: a typo, and one wrong episode (steps 8-9) that line 10 recovers from: one slip
    kinds = [d.kind for d in seeds["003_b83df05ceb37995f"][1].deductions if d.item == "steps"]
    assert sorted(kinds) == ["slip", "typo"]
    assert items("003_b83df05ceb37995f")["steps"] == pytest.approx(3 - 0.3 - 0.6)


def test_a_slip_the_next_line_corrects_costs_less_than_an_error_carried_to_the_end(assignment):
    text = (FIXTURES / "softmax_bishop.md").read_text(encoding="utf-8")
    slip = text.replace(r"&= -\sum_{k=1}^{K} t_k (\delta_{kj} - y_j) x_d", r"&= -\sum_{k=1}^{K} t_k (\delta_{kj} - y_k) x_d")
    carried = text.replace(r"&= (y_j - t_j) x_d", r"&= (t_j - y_j) x_d")
    assert slip != text and carried != text
    _, slip_grade = graded(slip, assignment)
    _, carried_grade = graded(carried, assignment)
    assert [d.kind for d in slip_grade.deductions] == ["slip"]
    assert {d.kind for d in carried_grade.deductions} == {"error", "incorrect"}
    assert slip_grade.score > carried_grade.score
    assert next(i for i in carried_grade.items if i.name == "final").score == 0


def test_a_wrong_final_answer_is_explained_with_a_counterexample(assignment):
    from derivcheck.grade.feedback import feedback
    text = (FIXTURES / "softmax_bishop.md").read_text(encoding="utf-8").replace(
        r"&= (y_j - t_j) x_d", r"&= (t_j - y_j) x_d")
    result, grade = graded(text, assignment)
    ref = result.final.targets[0].reference
    assert ref.verdict == "incorrect" and ref.counterexample is not None
    page = feedback(grade, result, assignment)
    assert "differs from the reference answer" in page and "Did you mean" in page
    assert page.startswith("# Feedback:") and "Your score" in page


def test_a_correct_answer_for_another_loss_is_not_the_reference(assignment):
    """A right gradient of the wrong loss (squared error) earns the steps, not the final answer."""
    text = r"""
For one example, $z_k = \sum_{d=1}^{D} w_{kd} x_d$ and $E = \frac{1}{2} \sum_{k=1}^{K} (z_k - t_k)^2$.

$$\frac{\partial E}{\partial w_{jd}} = \sum_{k=1}^{K} (z_k - t_k) \frac{\partial z_k}{\partial w_{jd}} = (z_j - t_j) x_d$$
"""
    result, grade = graded(text, assignment)
    assert [s.verdict for s in result.steps] == ["valid", "valid"]
    assert result.final.verdict == "correct"
    assert result.final.targets[0].reference.verdict in ("incorrect", "unsupported")
    assert next(i for i in grade.items if i.name == "final").score == 0


@pytest.mark.parametrize("content, message", [
    ("title: x\n", "derivcheck-assignment: 1"),
    ("derivcheck-assignment: 1\nmodel: svm\nnotation: {}\nreference: [{of: L, wrt: w}]\n", "model"),
    ("derivcheck-assignment: 1\nnotation: {sizes: {K: lots}}\nreference: [{of: L, wrt: w}]\n", "notation"),
    ("derivcheck-assignment: 1\nnotation: {}\nreference: []\n", "reference"),
    ("derivcheck-assignment: 1\nnotation: {}\nreference: [{of: L, wrt: w}]\nrubric: {final: -1}\n", "rubric"),
    ("derivcheck-assignment: 1\nnotation: {}\nreference: [{of: L, wrt: w}]\nrubric: {bonus: 1}\n", "rubric"),
    ("derivcheck-assignment: 1\nnotation: {}\nreference: [{of: 'L', wrt: '\\frac{', answer: x}]\n", "reference"),
])
def test_a_bad_assignment_file_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "a.yaml"
    path.write_text(content)
    with pytest.raises(AssignmentError, match=message):
        load_assignment(path)


def test_a_reference_answer_that_is_not_the_derivative_of_its_loss_is_refused(tmp_path):
    from derivcheck.grade.grade import verify_reference
    text = ASSIGNMENT.read_text().replace("answer: '(p_k - y_k) x_d'", "answer: '(y_k - p_k) x_d'")
    path = tmp_path / "wrong.yaml"
    path.write_text(text)
    with pytest.raises(AssignmentError, match="not the derivative"):
        verify_reference(load_assignment(path))
    verify_reference(load_assignment(ASSIGNMENT))


# ----------------------------------------------------------------------------- the command

def grade_cmd(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "derivcheck.run.cli", "grade", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Three proofs in other notations, two seeds, and two files that are not proofs."""
    folder = tmp_path_factory.mktemp("submissions")
    for name in ("softmax_bishop.md",):
        (folder / name).write_text((FIXTURES / name).read_text())
    for name in ("000_4fc6b41a1466133b", "001_36c22d76a2383576"):
        (folder / f"{name}.md").write_text(body(name))
    (folder / "alice").mkdir()
    (folder / "alice" / "proof.tex").write_text(body("003_b83df05ceb37995f"))
    (folder / "binary.md").write_bytes(b"\x00\x01\x02")
    (folder / "empty.txt").write_text("no math here\n")
    out = tmp_path_factory.mktemp("grades")
    run = grade_cmd(str(folder), "--assignment", str(ASSIGNMENT), "--out", str(out), "--format", "json")
    return folder, out, run


def test_a_batch_grades_every_readable_file_and_reports_the_rest(batch):
    folder, out, run = batch
    assert run.returncode == 1, run.stderr          # two files could not be read
    assert "Traceback" not in run.stderr
    data = json.loads(run.stdout)
    by_student = {d["student"]: d for d in data["derivations"]}
    assert set(by_student) == {"softmax_bishop", "000_4fc6b41a1466133b", "001_36c22d76a2383576", "alice__proof",
                               "binary", "empty"}
    assert by_student["binary"]["score"] == 0 and "binary" in by_student["binary"]["error"]
    assert by_student["empty"]["score"] == 0 and "no display math" in by_student["empty"]["error"]
    good = by_student["001_36c22d76a2383576"]
    assert good["score"] == good["max_score"] == 10
    step = good["steps"][0]
    assert set(step) >= {"id", "line", "latex", "verdict", "reason", "counterexample", "repair"}


def test_the_gradebook_and_the_gradescope_files(batch):
    _, out, _ = batch
    rows = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    assert [r["student"] for r in rows] == ["000_4fc6b41a1466133b", "001_36c22d76a2383576", "alice__proof", "binary",
                                            "empty", "softmax_bishop"]
    assert float(rows[1]["score"]) == 10 and rows[3]["error"]
    results = json.loads((out / "alice__proof" / "results.json").read_text())
    assert set(results) >= {"score", "tests"}
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in ("passed", "failed")
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))
    assert (out / "alice__proof" / "feedback.md").read_text().startswith("# Feedback:")
    assert "[alice__proof](alice__proof/feedback.md)" in (out / "index.md").read_text()


def test_a_rerun_skips_what_is_graded_and_regrades_what_changed(batch):
    folder, out, _ = batch
    again = grade_cmd(str(folder), "--assignment", str(ASSIGNMENT), "--out", str(out))
    assert "graded 0, already graded 6" in again.stdout     # unreadable files are not read again either
    assert again.returncode == 1
    (folder / "softmax_bishop.md").write_text((FIXTURES / "softmax_bishop.md").read_text().replace(
        r"&= (y_j - t_j) x_d", r"&= (t_j - y_j) x_d"))
    third = grade_cmd(str(folder), "--assignment", str(ASSIGNMENT), "--out", str(out))
    assert "graded 1, already graded 5" in third.stdout
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").read_text().splitlines())}
    assert float(rows["softmax_bishop"]["final"]) == 0


def test_a_batch_killed_halfway_finishes_on_restart_with_every_grade_once(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(6):
        name = list(EXPECTED)[i % len(EXPECTED)]
        (folder / f"s{i}.md").write_text(body(name))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "derivcheck.run.cli", "grade", str(folder), "--assignment", str(ASSIGNMENT),
           "--out", str(out), "--jobs", "1"]
    run = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*/grade.json"))) < 2:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done = list(out.glob("*/grade.json"))
    assert 0 < len(done) < 6, "killed too late to test anything"
    for path in done:
        json.loads(path.read_text())                    # whole, never half written
    finished = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert f"already graded {len(done)}" in finished.stdout
    rows = list(csv.DictReader((out / "gradebook.csv").read_text().splitlines()))
    assert sorted(r["student"] for r in rows) == [f"s{i}" for i in range(6)]


def test_grade_usage_errors_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nope: 1\n")
    assert grade_cmd(str(FIXTURES), "--assignment", str(bad)).returncode == 2
    assert grade_cmd(str(tmp_path / "missing"), "--assignment", str(ASSIGNMENT)).returncode == 2


def test_a_grade_is_not_reused_across_changes_of_the_checker_code(monkeypatch):
    from derivcheck.grade import grade
    assignment = load_assignment(ASSIGNMENT)
    before = grade.grade_key(b"proof", assignment, {"K": 3})
    assert grade.grade_key(b"proof", assignment, {"K": 3}) == before
    monkeypatch.setattr(grade, "code_fingerprint", lambda: b"other code")
    assert grade.grade_key(b"proof", assignment, {"K": 3}) != before
