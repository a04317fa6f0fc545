"""Fuzzing: LaTeX from the seeds, mutated, must never crash, hang or leave the five verdict words.

The normal run tries 1,000 mutated expressions through reading and parsing, 200 through judging,
and a batch of mutated documents through the command line and its workers. For a nightly run:

    DERIVCHECK_FUZZ_EXAMPLES=50000 .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivcheck.verdict.checker import read
from derivcheck.notation.header import load_notation
from derivcheck.latex.errors import LatexError
from derivcheck.latex.parse import parse_expression
from derivcheck.read.source import read_document
from derivcheck.verdict.tasks import Spec, Task, run_task

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("DERIVCHECK_FUZZ_EXAMPLES", "1000"))
VERDICT_OF = {"proved": "valid", "refuted": "invalid", "shape": "invalid", "unproved": "undecided"}
FAILURES = {"garbled", "unsupported", "time", "memory", "crash", "invalid"}

VOCABULARY = [
    "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "&", "\\\\", "=", "-", "+", "/", "$", "'",
    "\\frac", "\\frac{\\partial}{\\partial x_1}", "\\sum_{k=1}^K", "\\sum", "\\prod_{j}", "\\nabla_{",
    "\\partial", "\\left(", "\\right)", "\\left[", "\\right.", "\\mathbf{1}\\{", "1(", "\\log", "log",
    "\\exp", "e^{", "\\sigma", "\\delta_{ij}", "\\dots", "\\vdots", "\\begin{bmatrix}", "\\end{bmatrix}",
    "\\begin{aligned}", "\\underbrace{", "}_{\\text{x}}", "\\text{where}", "\\unknown", "\\top", "^T",
    "oldsymbol", "\night)", "\x08", "\x00", "é", "∑", "10^{9}", "99999", "0", "\\cdot", "\\times", "|",
    "\\substack{k=1\\\\k\\neq j}", "x_{\\text{print(7)}}", "\\__import__", "\\operatorname{__class__}",
]


def _seed_material():
    pieces, links = [], []
    for path in sorted((ROOT / "derivations").glob("*.md")):
        doc = read_document(str(path), path.read_text())
        spec = Spec(str(path), doc.header, None, ())
        for chain in doc.chains:
            pieces.append(chain.first.text)
            prev = chain.first.text
            for link in chain.links:
                pieces.append(link.piece.text)
                links.append((spec, prev, link.piece.text))
                prev = link.piece.text
    return pieces, links


PIECES, LINKS = _seed_material()
NOTATION = load_notation(read_document("x", (ROOT / "derivations" / "000_4fc6b41a1466133b.md").read_text()).header)


def mutate(text: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        op = rng.choice(("delete", "insert", "duplicate", "swap", "truncate"))
        i = rng.randrange(len(text) + 1)
        j = min(len(text), i + rng.randrange(1, 12))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + rng.choice(VOCABULARY) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "swap" and j - i > 1:
            text = text[:i] + text[j - 1] + text[i + 1:j - 1] + text[i] + text[j:]
        elif op == "truncate":
            text = text[:i]
    return text


@st.composite
def mutated(draw, source):
    base = draw(st.sampled_from(source))
    seed = draw(st.integers(0, 2**32 - 1))
    return base, mutate(base if isinstance(base, str) else base[2], random.Random(seed), draw(st.integers(1, 5)))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(PIECES))
def test_reading_and_parsing_never_crash(case):
    _, text = case
    start = time.perf_counter()
    reading = read(text, NOTATION)
    try:
        parse_expression(reading.text)
    except LatexError as err:
        assert str(err)
    assert time.perf_counter() - start < 10


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()


@settings(max_examples=max(200, EXAMPLES // 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(LINKS))
def test_judging_always_ends_in_a_verdict(case):
    (spec, prev, _), text = case
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(30)
    try:
        result = run_task(Task("compare", spec, read(prev, None).text, read(text, None).text))
    except _Hang:
        raise AssertionError(f"no verdict within 30 s for {text!r}") from None
    finally:
        signal.alarm(0)
    if result.failure:
        assert result.failure in FAILURES and result.message
    else:
        assert VERDICT_OF[result.outcome.status]


def test_mutated_documents_through_the_command_line(tmp_path):
    rng = random.Random(20261122)
    sources = sorted((ROOT / "derivations").glob("*.md"))
    count = max(40, EXAMPLES // 25)
    for n in range(count):
        text = sources[n % len(sources)].read_text()
        header, body = text.split("\n---\n", 1)
        (tmp_path / f"m{n:04d}.md").write_text(header + "\n---\n" + mutate(body, rng, rng.randint(1, 8)))
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(tmp_path), "--timeout", "10", "--format",
                          "json", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode in (0, 1, 2), out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    data = json.loads(out.stdout)
    assert len(data["derivations"]) + len(data.get("errors", [])) >= count
    for derivation in data["derivations"]:
        for step in derivation["steps"]:
            assert step["verdict"] in ("valid", "invalid", "garbled", "unsupported", "undecided")


def _bodies() -> list[str]:
    return [p.read_text().split("\n---\n", 1)[1] for p in sorted((ROOT / "derivations").glob("*.md"))]


BODIES = _bodies()


@settings(max_examples=max(100, EXAMPLES // 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(BODIES))), st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_inferring_a_notation_from_a_mangled_document_never_crashes(which, seed, edits):
    """Documents with no header, mangled: the inference is a task like any other; its header (if
    any) must load, and it never raises."""
    from derivcheck.notation.header import load_notation as load
    text = mutate(BODIES[which], random.Random(seed), edits)
    try:
        read_document("x.md", text)
    except ValueError:
        return                                   # unreadable as a document: reported before inference
    result = run_task(Task("infer", Spec("x.md", {}, None, ()), text))
    if result.header is not None and not result.failure:
        load(result.header)
    else:
        assert result.message


def test_mutated_documents_with_no_header_through_the_command_line(tmp_path):
    rng = random.Random(20261123)
    count = max(20, EXAMPLES // 50)
    for n in range(count):
        (tmp_path / f"n{n:04d}.md").write_text(mutate(BODIES[n % len(BODIES)], rng, rng.randint(1, 8)))
    out = subprocess.run([sys.executable, "-m", "derivcheck.run.cli", str(tmp_path), "--timeout", "10", "--format",
                          "json", "--no-reports"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode in (0, 1, 2), out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    for derivation in json.loads(out.stdout)["derivations"]:
        for step in derivation["steps"]:
            assert step["verdict"] in ("valid", "invalid", "garbled", "unsupported", "undecided")
