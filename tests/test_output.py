"""What people and tools read: report names, the index, file modes, math that renders, the marks of
steps that carry or recover from an error, progress on a terminal only, strict flags, the JSON."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from conftest import SOFTMAX_HEADER, run_text
from derivcheck.output.display import display, problems
from derivcheck.output.names import report_names
from derivcheck.output.report import markdown, write_atomic

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "tests" / "katex"
VALID = SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n"
INVALID = SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 2$$\n"
#: One wrong step (2), one that follows from it (3), one that gets back to the last correct line (4).
EPISODE = SOFTMAX_HEADER + r"""
$$
\begin{aligned}
2 \sum_{k=1}^K y_k &= 2 \\
&= 3 \\ &= \frac{6}{2} \\
&= 1 + 1
\end{aligned}
$$
"""


def cli(*args, cwd=ROOT, **kwargs):
    return subprocess.run([sys.executable, "-m", "derivcheck.run.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=180, **kwargs)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- names and the index

def test_report_names_are_stems_unless_two_inputs_share_one():
    assert report_names([Path("derivations/000_x.md"), Path("derivations/001_y.md")]) == ["000_x", "001_y"]
    assert report_names([Path("alice/hw.md"), Path("bob/hw.md"), Path("bob/other.md")]) == \
        ["alice__hw", "bob__hw", "other"]
    assert report_names([Path("a/x/hw.md"), Path("b/x/hw.md")]) == ["a__x__hw", "b__x__hw"]
    # the folder's own index.md is never a derivation's report
    assert report_names([Path("notes/index.md")]) == ["notes__index"]


def test_a_name_held_by_another_file_is_not_taken_over_and_a_file_keeps_its_own():
    alice, bob = Path("alice/hw.md"), Path("bob/hw.md")
    owners = {"hw": os.path.abspath(alice)}
    assert report_names([bob], owners) == ["bob__hw"]
    assert report_names([alice], owners) == ["hw"]
    assert report_names([alice, bob], owners) == ["hw", "bob__hw"]


def test_two_submissions_with_one_name_get_two_reports_and_the_index_links_both(tmp_path):
    write(tmp_path / "alice" / "hw.md", VALID)
    write(tmp_path / "bob" / "hw.md", INVALID)
    out = cli(tmp_path / "alice", tmp_path / "bob", "--reports", tmp_path / "rep")
    assert out.returncode == 1, out.stderr
    rep = tmp_path / "rep"
    assert sorted(p.name for p in rep.glob("*.md")) == ["alice__hw.md", "bob__hw.md", "index.md"]
    assert (rep / "alice__hw.md").read_text().startswith("# alice__hw")
    assert "**1 of 1 steps valid**" in (rep / "alice__hw.md").read_text()
    assert "1 invalid" in (rep / "bob__hw.md").read_text()
    index = (rep / "index.md").read_text()
    assert "[alice__hw](alice__hw.md)" in index and "[bob__hw](bob__hw.md)" in index
    # the table tells the two apart by their paths
    assert str(tmp_path / "alice" / "hw.md") in out.stdout and str(tmp_path / "bob" / "hw.md") in out.stdout


def test_the_index_lists_every_report_in_the_folder_and_names_are_stable(tmp_path):
    alice = write(tmp_path / "alice" / "hw.md", VALID)
    bob = write(tmp_path / "bob" / "hw.md", INVALID)
    rep = tmp_path / "rep"
    assert cli(alice, "--reports", rep).returncode == 0
    assert cli(bob, "--reports", rep).returncode == 1          # hw is alice's: bob gets bob__hw
    assert cli(alice, "--reports", rep).returncode == 0        # alice keeps hw
    assert sorted(p.stem for p in rep.glob("*.json")) == ["bob__hw", "hw"]
    assert json.loads((rep / "hw.json").read_text())["derivations"][0]["file"] == str(alice)
    rows = [line for line in (rep / "index.md").read_text().splitlines() if line.startswith("| [")]
    assert [row.split("]")[0] for row in rows] == ["| [bob__hw", "| [hw"]
    assert "❌ invalid" not in rows[1] and "| 1 | 0 | 1 |" in rows[0]


def test_the_seed_reports_keep_their_names():
    names = report_names(sorted((ROOT / "derivations").glob("*.md")))
    assert names == sorted(p.stem for p in (ROOT / "derivations").glob("*.md"))
    assert all((ROOT / "reports" / f"{name}.md").exists() for name in names)


# ----------------------------------------------------------------------------- file modes

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_reports_are_written_with_the_process_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "r.md", "text")
        write_atomic(tmp_path / "r.md", "text again")       # replaced, still atomically
    finally:
        os.umask(old)
    assert (tmp_path / "r.md").stat().st_mode & 0o777 == mode
    assert (tmp_path / "r.md").read_text() == "text again"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]    # no temporary file left behind


def test_a_published_grades_folder_is_readable(tmp_path):
    write(tmp_path / "subs" / "alice.md", VALID)
    out = subprocess.run(f"umask 022 && {sys.executable} -m derivcheck.run.cli grade {tmp_path / 'subs'} "
                         f"--assignment assignments/softmax-regression.yaml --out {tmp_path / 'out'}",
                         shell=True, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    modes = {p.relative_to(tmp_path / "out").as_posix(): p.stat().st_mode & 0o777
             for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert modes and set(modes.values()) == {0o644}, modes


# ----------------------------------------------------------------------------- math that renders

def test_a_relation_copied_out_of_an_alignment_is_put_back_into_one():
    assert display("a &= b") == "\\begin{aligned} a &= b \\end{aligned}"
    assert display("= \\frac{6}{2}") == "= \\frac{6}{2}"
    assert display("a \\\\ &= b") == "\\begin{aligned} a \\\\ &= b \\end{aligned}"
    assert display("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}") == \
        "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"
    assert display("a = b % the rest of the line is a comment\n+ c") == "a = b + c"
    assert display("50\\% = \\frac{1}{2}") == "50\\% = \\frac{1}{2}"
    # what no renderer reads is not put in a math block at all (the report shows it as code)
    for bad in ("\\frac{a}{b", "\\left( a", "\\begin{cases} a \\end{aligned}", "a = \\$", "   "):
        assert display(bad) is None, bad


def test_the_strict_check_names_each_problem():
    assert problems("\\left( \\frac{a}{b} \\right) + \\{x\\}") == []
    assert problems("a & b") == ["bare '&' outside an alignment environment"]
    assert problems("\\frac{a}{b") == ["'{' never closed"]
    assert problems("a}") == ["'}' without '{' at 1"]
    assert problems("\\begin{aligned} a \\end{cases}") == \
        ["\\end{cases} without a matching \\begin{cases}", "\\begin{aligned} never ended"]
    assert problems("{\\left( a} \\right)") == ["\\left without \\right inside {", "\\right without \\left"]


_MARKDOWN = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin, double_inline=True)


def math_of(text: str, name: str) -> list[dict]:
    """Every math span of a Markdown page, as a Markdown+math renderer reads it, with where it is;
    text the renderer leaves as text but that holds ``$$`` is an error of its own (tex None)."""
    found = []

    def walk(tokens, line):
        for token in tokens:
            line = token.map[0] + 1 if token.map else line
            if token.type.startswith("math_"):
                found.append({"where": f"{name}:{line}", "tex": token.content,
                              "display": token.type in ("math_block", "math_block_label", "math_inline_double")})
            elif token.type == "text" and "$$" in token.content:
                found.append({"where": f"{name}:{line}", "tex": None, "display": True})
            walk(token.children or [], line)

    walk(_MARKDOWN.parse(text), 1)
    return found


def committed_math() -> list[dict]:
    pages = sorted((ROOT / "reports").glob("*.md")) + sorted((ROOT / "reports").glob("grades/**/*.md"))
    return [m for page in pages for m in math_of(page.read_text(encoding="utf-8"), str(page.relative_to(ROOT)))]


def test_every_math_block_in_the_committed_reports_parses():
    spans = committed_math()
    blocks = [m for m in spans if m["display"]]
    assert len(blocks) > 100                                   # the seeds' reports hold hundreds
    wrong = [f"{m['where']}: {'a $$ left as text' if m['tex'] is None else problems(m['tex'])}"
             for m in spans if m["tex"] is None or problems(m["tex"]) or "$" in m["tex"]]
    assert wrong == []


def _katex() -> Path:
    """The KaTeX check's script, once KaTeX is installed from tests/katex/package.json (on first use);
    a clear skip where Node or the package registry cannot be reached."""
    if shutil.which("node") is None:
        pytest.skip("node not found: the KaTeX rendering check needs Node (the markdown-it check still ran)")
    if not (KATEX / "node_modules" / "katex").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm not found: cannot install KaTeX for the rendering check")
        try:
            done = subprocess.run([npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--silent"],
                                  cwd=KATEX, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode != 0 or not (KATEX / "node_modules" / "katex").is_dir():
            pytest.skip("KaTeX could not be installed (npm install in tests/katex failed); "
                        "the markdown-it check still ran")
    return KATEX / "render.js"


def katex_failures(spans: list[dict]) -> str:
    out = subprocess.run(["node", str(_katex())], input=json.dumps(spans), capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.strip().endswith("failed"), out.stderr
    return "" if out.returncode == 0 else out.stdout


def test_every_math_span_in_the_committed_reports_renders_with_katex():
    spans = [m for m in committed_math() if m["tex"] is not None]
    assert katex_failures(spans) == ""


def test_a_display_written_in_an_alignment_renders_step_by_step():
    spans = math_of(markdown(run_text(EPISODE)), "episode.md")
    assert "\\begin{aligned} 2 \\sum_{k=1}^K y_k &= 2 \\end{aligned}" in [m["tex"].strip() for m in spans]
    assert all(m["tex"] is not None and not problems(m["tex"]) for m in spans)
    assert katex_failures(spans) == ""
    # KaTeX itself refuses what the reports used to print
    assert "1 failed" in katex_failures([{"where": "old", "tex": "a &= b", "display": True}])


# ----------------------------------------------------------------------------- carried and recovered

def test_a_step_that_follows_from_an_error_is_not_marked_like_a_correct_one():
    r = run_text(EPISODE)
    assert [s.verdict for s in r.steps] == ["valid", "invalid", "valid", "valid"]    # the contract
    text = markdown(r)
    rows = {line.split("]")[0][3:]: line for line in text.splitlines() if line.startswith("| [")}
    assert "✅" in rows["1"] and "❌ invalid" in rows["2"]
    assert "➡️ follows from the error in step 2" in rows["3"] and "✅" not in rows["3"]
    assert "↩️ recovers after the error in step 2" in rows["4"] and "✅" not in rows["4"]
    assert "### Step 3 · line 19 · ➡️ follows from the error in step 2" in text
    assert "The expression itself is still wrong; correct step 2 and this line follows." in text
    assert "**3 of 4 steps valid** (1 of them follows from an earlier error)" in text


@pytest.fixture(scope="module")
def graded_003():
    from derivcheck.grade.assignment import load_assignment
    from derivcheck.grade.feedback import feedback
    from derivcheck.grade.grade import score
    from derivcheck.read.source import read_document
    from derivcheck.verdict.checker import Options, check, run_inline
    from test_infer import body
    assignment = load_assignment(ROOT / "assignments" / "softmax-regression.yaml")
    doc = read_document("003.md", body("003_b83df05ceb37995f"))
    result = run_inline(check(doc, Options(defaults=assignment.defaults, reference=assignment.reference)))
    return result, feedback(score(result, assignment, "003"), result, assignment)


def test_student_feedback_says_where_an_error_stops(graded_003):
    result, page = graded_003
    recovered = next(s for s in result.steps if s.id == "10")
    assert recovered.verdict == "valid"
    assert (f"↩️ **Recovers after this error:** step 10 (line {recovered.line}) is equal to step 7, the last "
            "correct expression, so the error stops there.") in page


def test_student_feedback_says_which_lines_carry_an_error():
    from derivcheck.grade.assignment import load_assignment
    from derivcheck.grade.feedback import feedback
    from derivcheck.grade.grade import score
    assignment = load_assignment(ROOT / "assignments" / "softmax-regression.yaml")
    result = run_text(EPISODE)
    page = feedback(score(result, assignment, "s"), result, assignment)
    assert "➡️ **Follows from this error:** step 3 (line 19) follows correctly from this step" in page
    assert "↩️ **Recovers after this error:** step 4 (line 20)" in page


# ----------------------------------------------------------------------------- the terminal

def test_check_and_grade_are_quiet_on_stderr_when_it_is_not_a_terminal(tmp_path):
    doc = write(tmp_path / "ok.md", VALID)
    out = cli(doc, "--no-reports")
    assert out.returncode == 0 and out.stderr == ""
    graded = cli("grade", doc, "--assignment", "assignments/softmax-regression.yaml", "--out", tmp_path / "g")
    assert graded.returncode == 0 and graded.stderr == ""


def test_progress_is_drawn_on_a_terminal(tmp_path):
    doc = write(tmp_path / "ok.md", VALID)
    controller, terminal = pty.openpty()
    try:
        out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(doc), "--no-reports"], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=terminal, timeout=180)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert out.returncode == 0
    assert b"checking" in drawn and b"1/1" in drawn and b"checks" in drawn
    assert b"checking" not in out.stdout


# ----------------------------------------------------------------------------- flags and the JSON

@pytest.mark.parametrize("args, says", [
    (["--sizes", "T=3"], "--sizes: T is not a size of any derivation checked"),
    (["--sizes", "K=3,Dd=2"], "--sizes: Dd is not a size"),
    (["--jobs", "0"], "'--jobs': 0 is not in the range x>=1"),
    (["--format", "xml"], "'--format'"),
    (["--timeout", "0"], "--timeout must be positive"),
])
def test_a_bad_flag_is_one_line_and_exit_2(tmp_path, args, says):
    doc = write(tmp_path / "ok.md", VALID)
    out = cli(doc, "--no-reports", *args)
    assert out.returncode == 2
    line, = out.stderr.strip().splitlines()
    assert line.startswith("derivcheck: ") and says in line, line
    assert out.stdout == ""                                    # nothing was checked


def test_a_size_the_derivation_declares_is_accepted_and_an_unknown_one_is_not_ignored(tmp_path):
    declared = write(tmp_path / "t.md", SOFTMAX_HEADER.replace("sizes: {K: classes, D: features}",
                                                               "sizes: {K: classes, D: features, T: 2}") +
                     "$$\\sum_{k=1}^K y_k = 1$$\n")
    assert cli(declared, "--no-reports", "--sizes", "T=3").returncode == 0
    # no header: the sizes are known only once the notation is inferred, so the run says it at the end
    plain = write(tmp_path / "plain.md", "Let $p_k = \\frac{e^{z_k}}{\\sum_{l=1}^{K} e^{z_l}}$.\n\n"
                  "$$\\sum_{k=1}^{K} p_k = 1$$\n")
    out = cli(plain, "--no-reports", "--sizes", "Q=3")
    assert out.returncode == 2
    line, = out.stderr.strip().splitlines()
    assert "--sizes: Q is not a size of any derivation checked" in line


def test_grade_rejects_jobs_0_and_an_unknown_size(tmp_path):
    doc = write(tmp_path / "ok.md", VALID)
    base = ["grade", doc, "--assignment", "assignments/softmax-regression.yaml", "--out", tmp_path / "g"]
    out = cli(*base, "--jobs", "0")
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    out = cli(*base, "--sizes", "Q=2")
    assert out.returncode == 2 and "--sizes: Q is not a size" in out.stderr


def test_the_json_always_has_errors(tmp_path):
    doc = write(tmp_path / "ok.md", VALID)
    data = json.loads(cli(doc, "--format", "json", "--reports", tmp_path / "rep").stdout)
    assert data["errors"] == []
    assert json.loads((tmp_path / "rep" / "ok.json").read_text())["errors"] == []
    data = json.loads(cli(doc, tmp_path / "missing.md", "--format", "json", "--no-reports").stdout)
    assert data["errors"] == [f"{tmp_path / 'missing.md'}: no such file or folder"]
