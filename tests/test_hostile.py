"""Hostile and broken input: nothing is executed, nothing hangs, every finding is one of five words,
and one bad file never stops the others."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SOFTMAX_HEADER, run_text

ROOT = Path(__file__).resolve().parent.parent

PAYLOADS = [
    r"\__import__('os').system('touch CANARY')",
    r"x_{\text{print(open('CANARY','w'))}}",
    r"\operatorname{__class__}(x_1)",
    r"x_{__class__.__mro__}",
    r"\eval{open('CANARY','w')}",
    r"\mathrm{exec}(x_1)",
    r"{}.__class__.__base__.__subclasses__()",
    "lambda: __import__('os')",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_run_nothing_and_are_reported(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run_text(SOFTMAX_HEADER + f"$$x_1 = {payload}$$\n")
    assert not (tmp_path / "CANARY").exists()
    step = r.steps[0]
    assert step.verdict in ("garbled", "unsupported", "invalid")
    assert str(step.reason)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_a_document_with_no_header_run_nothing(payload, tmp_path, monkeypatch):
    """The notation is inferred from the text itself: hostile names are only names there too."""
    monkeypatch.chdir(tmp_path)
    r = run_text(f"Let ${payload} = x_1$.\n\n$$\\frac{{\\partial L}}{{\\partial w}} = {payload}$$\n\n$$a_{{{payload}}} = b$$\n")
    assert not (tmp_path / "CANARY").exists()
    assert r.error is None or "notation" in r.error
    assert all(s.verdict in ("valid", "invalid", "garbled", "unsupported", "undecided") for s in r.steps)


def test_payloads_in_the_header_are_refused(tmp_path):
    bad = tmp_path / "header.md"
    bad.write_text("---\nsymbols: !!python/object/apply:os.system ['touch CANARY']\n---\n$$a = b$$\n")
    evil_symbol = tmp_path / "symbol.md"
    evil_symbol.write_text("---\nsymbols: {'__import__(\"os\")': input}\n---\n$$a = b$$\n")
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(bad), str(evil_symbol), "--no-reports"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert not (tmp_path / "CANARY").exists()
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 2 and all("derivcheck: " in line for line in lines)
    assert "Traceback" not in out.stderr


def test_the_engine_never_calls_eval_on_input():
    """No module of the checker calls the functions that execute text."""
    for path in (ROOT / "derivcheck").rglob("*.py"):
        source = path.read_text()
        for call in ("eval(", "exec(", "sympify(", "parse_expr(", "lambdify(", "latex2sympy"):
            assert f" {call}" not in source and f".{call}" not in source and f"({call}" not in source, \
                f"{path.name} calls {call}"


PATHOLOGICAL = {
    "tower": (r"e^{e^{e^{100}}} = e^{e^{e^{100}}} + 0", "valid"),
    "huge power": (r"x_1^{10^{9}} = x_1", "unsupported"),
    "deep nesting": ("(" * 200 + "x_1" + ")" * 200 + " = x_1", "unsupported"),
    "long sum": (r"\sum_{k=1}^{10000} x_1 = 10000 x_1", "valid"),
    "too long sum": (r"\sum_{k=1}^{100000} x_1 = 100000 x_1", "unsupported"),
}


def test_pathological_steps_end_within_the_limit(tmp_path):
    doc = tmp_path / "patho.md"
    body = "".join(f"$${text}$$\n\n" for text, _ in PATHOLOGICAL.values())
    matrix = "\\begin{bmatrix}" + " \\\\ ".join(" & ".join("x_1" for _ in range(200)) for _ in range(200))
    body += f"$${matrix}\\end{{bmatrix}} = 0$$\n\n$$x_1 + x_2 = x_2 + x_1$$\n"
    doc.write_text(SOFTMAX_HEADER + body)
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(doc), "--timeout", "5", "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    steps = json.loads(out.stdout)["derivations"][0]["steps"]
    assert [s["verdict"] for s in steps[:len(PATHOLOGICAL)]] == [v for _, v in PATHOLOGICAL.values()]
    assert steps[-2]["verdict"] in ("invalid", "undecided", "unsupported")   # 200×200 vs 0
    assert steps[-1]["verdict"] == "valid"                                  # the rest still decided


@pytest.mark.parametrize("name, content, message", [
    ("empty.md", b"", "no display math"),
    ("prose.md", b"# Only words here\n", "no display math"),
    ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
    ("latin1.md", "$$x = y$$ caf\xe9".encode("latin-1"), "UTF-8"),
    ("badyaml.md", b"---\nsizes: [1,\n---\n$$a=b$$\n", "YAML"),
])
def test_malformed_files_give_one_line_and_exit_2(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    good = tmp_path / "good.md"
    good.write_text(SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n")
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(tmp_path), "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert [Path(d["file"]).name for d in json.loads(out.stdout)["derivations"]] == ["good.md"]
    line, = out.stderr.strip().splitlines()
    assert name in line and message in line and "Traceback" not in out.stderr


def test_an_unclosed_display_is_a_garbled_step_not_a_dropped_file(tmp_path):
    (tmp_path / "unclosed.md").write_text(SOFTMAX_HEADER + "$$\\sum_{k=1}^K y_k = 1$$\n\n$$a = b\n\ntext\n")
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(tmp_path), "--format", "json",
                          "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr == ""
    steps = json.loads(out.stdout)["derivations"][0]["steps"]
    assert [(s["verdict"], s["line"], s["location"]) for s in steps] == [("valid", 15, "line 15"),
                                                                         ("garbled", 17, "line 17")]
    assert steps[1]["reason"] == "damaged LaTeX: display math opened on line 17 is never closed"


def test_a_large_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(big), "--no-reports"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "more than" in out.stderr


def test_reports_cannot_be_broken_out_of():
    from derivcheck.output.report import markdown
    r = run_text(SOFTMAX_HEADER + "$$x_1 = \\text{``` # heading}$$\n\n$$x_1 = \\frac{\\$}{2}$$\n")
    text = markdown(r)
    assert "````latex\nx_1 = \\text{``` # heading}\n````" in text   # a fence the text cannot close
    assert "$$\nx_1 = \\frac{\\$}{2}\n$$" not in text              # a $ never sits inside $$ … $$
    assert "prose" not in text                                          # \$ is an escaped dollar, not prose
