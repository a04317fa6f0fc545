"""The corpus of real derivations as a ratchet: the development parts may only get better.

tests/corpus_baseline.json records, per document, whether derivcheck reads it, the keyed mistakes it finds
and the false flags and wrong steps called valid known today, each by a hash of its text. A run may
find more and flag less, never the reverse. Improvements are reported as a warning: record them with
`python bench/corpus.py --record` so they are held from then on.

The corpus is data beside the repository (../shared/corpus, or DERIVCHECK_CORPUS); without it the tests
that need it are skipped. The scoring is bench/corpus_score.py, held equal to the corpus's own score.py
by running score.py on the same reports.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import corpus_score  # noqa: E402

needs_corpus = pytest.mark.skipif(
    not (corpus.corpus_root() / "score.py").is_file(),
    reason=f"the corpus is not at {corpus.corpus_root()} (set DERIVCHECK_CORPUS to score derivcheck on it)")


@pytest.fixture(scope="module")
def board() -> corpus.Board:
    """The development parts, checked once by the installed CLI on two workers (CI has two cores)."""
    return corpus.build_board(list(corpus.DEV_PARTS), jobs=2)


@needs_corpus
def test_development_parts_no_worse_than_the_baseline(board: corpus.Board) -> None:
    baseline = corpus.load_baseline()
    assert baseline, "tests/corpus_baseline.json is missing: python bench/corpus.py --record"
    now = corpus.snapshot(board)
    worse = corpus.regressions(baseline, now, corpus.texts(board))
    assert not worse, "worse than tests/corpus_baseline.json:\n" + "\n".join(worse)
    better = corpus.improvements(baseline, now, corpus.texts(board))
    if better:
        warnings.warn("better than the baseline; hold it with `python bench/corpus.py --record`:\n"
                      + "\n".join(better))


@needs_corpus
def test_the_baseline_is_about_the_documents_of_the_corpus(board: corpus.Board) -> None:
    """A renamed or removed document would otherwise drop out of the ratchet unnoticed."""
    assert set(corpus.load_baseline()) == set(corpus.snapshot(board))
    assert {p.name for p in board.parts} == set(corpus.DEV_PARTS)


def score_py(key: Path, report: dict, tmp_path: Path) -> tuple[dict, tuple[int, ...]]:
    """The corpus's score.py on a report: per document (found, keyed, false flags, steps) or None when
    missing, and the totals (decided, steps, found, keyed, false flags, wrong valid, missing)."""
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    out = subprocess.run([sys.executable, str(corpus.corpus_root() / "score.py"), str(key), str(path)],
                         capture_output=True, text=True, timeout=60).stdout
    docs: dict = {}
    for line in out.splitlines():
        if m := re.match(r"(\S+): (\d+)/(\d+) found, (\d+) false flags, (\d+) steps", line):
            docs[m[1]] = tuple(map(int, m.groups()[1:]))
        elif m := re.match(r"(\S+): missing from report$", line):
            docs[m[1]] = None
    last = re.match(r"decided (\d+)/(\d+) steps; recall (\d+)/(\d+), false flags (\d+), "
                    r"wrong steps called valid (\d+), docs missing (\d+)$", out.splitlines()[-1])
    return docs, tuple(map(int, last.groups()))


def ours(key: dict, report: dict) -> tuple[dict, tuple[int, ...]]:
    """The same two answers from bench/corpus_score.py."""
    part = corpus_score.score_report(key, report)
    docs = {d.name: (len(d.best.found), d.best.keyed, len(d.best.false_flags), d.steps) if d.present else None
            for d in part.docs}
    return docs, (part.decided, part.steps, part.found, part.keyed, part.false_flags, part.wrong_valid,
                  part.missing)


@needs_corpus
@pytest.mark.parametrize("part", corpus.DEV_PARTS)
def test_scores_as_score_py_does_on_the_corpus(board: corpus.Board, part: str, tmp_path: Path) -> None:
    (scored,) = [p for p in board.parts if p.name == part]
    key_path = corpus.corpus_root() / part / "key.json"
    report = {"derivations": scored.derivations}
    expected = score_py(key_path, report, tmp_path)
    assert ours(json.loads(key_path.read_text(encoding="utf-8")), report) == expected
    assert expected[1][1] > 0, "the CLI read no step of the part"


SYNTHETIC_KEY = {"docs": {
    "alpha": {"must": [{"sub": "&= x + 1 \\\\", "accept": ["invalid"]}],
          "allow": [{"sub": "y", "verdicts": ["invalid"], "count": 1}]},
    "beta": {"readings": [{"must": [{"sub": "p", "accept": ["invalid"]}]},
                       {"must": [{"sub": "q", "accept": ["invalid", "garbled"]}], "allow": [{"sub": "r", "verdicts": ["garbled"]}]}],
          "allow": [{"sub": "s", "verdicts": ["invalid"]}]},
    "gamma": {"readings": [{"must": [{"sub": "m", "accept": ["invalid"]}]},
                       {"must": [{"sub": "m", "accept": ["invalid"]}, {"sub": "n", "accept": ["invalid"]}]}]},
    "delta": {"must": [{"sub": "u", "accept": ["invalid"]}], "allow": []},
}}


def step(latex: str, verdict: str) -> dict:
    return {"latex": latex, "verdict": verdict}


SYNTHETIC_REPORT = {"derivations": [
    {"file": "proofs/alpha.md", "steps": [step("$$x+1$$", "invalid"), step("y", "invalid"), step("y", "invalid"),
                                    step("z", "garbled"), step("w", "valid")]},
    {"file": "proofs/beta.md", "steps": [step("p", "valid"), step("q", "garbled"), step("r", "garbled"),
                                    step("s", "invalid"), step("t", "unsupported")]},
    {"file": "proofs/delta.md", "steps": [step("u.", "valid"), step("v", "undecided")]},
    {"file": "proofs/unkeyed.md", "steps": [step("e", "valid")]},
]}


@needs_corpus
def test_scores_as_score_py_does_on_allowances_readings_and_missing_documents(tmp_path: Path) -> None:
    """What the corpus's reports rarely exercise: a `count` used up, excerpt trimming, the best of several
    readings, a document missing from the report (its largest reading keyed), an unkeyed document."""
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(SYNTHETIC_KEY), encoding="utf-8")
    expected = score_py(key_path, SYNTHETIC_REPORT, tmp_path)
    assert ours(SYNTHETIC_KEY, SYNTHETIC_REPORT) == expected
    assert expected == ({"alpha": (1, 1, 2, 5), "beta": (1, 1, 0, 5), "gamma": None, "delta": (0, 1, 0, 2)},
                        (8, 13, 2, 5, 2, 1, 1))


def test_the_best_reading_keeps_what_it_missed_and_what_it_called_valid() -> None:
    doc = corpus_score.score_doc("beta", SYNTHETIC_KEY["docs"]["beta"], SYNTHETIC_REPORT["derivations"][1])
    assert (doc.best.found, doc.best.missed, doc.best.false_flags, doc.best.wrong_valid) == (("q",), (), (), ())
    assert doc.caught == ("q",)
    d = corpus_score.score_doc("delta", SYNTHETIC_KEY["docs"]["delta"], SYNTHETIC_REPORT["derivations"][2])
    assert (d.best.missed, d.best.wrong_valid, d.decided) == (("u",), ("u",), 1)


def test_excerpts_are_normalised_as_score_py_does() -> None:
    assert corpus_score.norm(" &= \\frac{a}{b} \\\\ ") == "\\frac{a}{b}"
    assert corpus_score.norm("$$ = x ,.$$") == "x"
    assert corpus_score.norm(None) == ""


@pytest.mark.parametrize("reason, expected", [
    ("not supported: unknown LaTeX command \\th", "unknown LaTeX command X"),
    ("not supported: $A$, $d$ are never defined, so the two sides cannot be compared",
     "X is never defined, so the two sides cannot be compared"),
    ("not supported: $L$ is never defined, so its derivative with respect to $x_{1}$ is unknown",
     "X is never defined, so its derivative with respect to X is unknown"),
    ("not supported: a derivative with respect to j k, which is not a variable",
     "a derivative with respect to X, which is not a variable"),
    ("not supported: a derivative with respect to z_{i}^{(\\ell)}, which is not a variable",
     "a derivative with respect to X, which is not a variable"),
    ("not supported: derivcheck cannot read this LaTeX: unexpected ','",
     "derivcheck cannot read this LaTeX: unexpected X"),
    ("not supported: \\hat{y} takes 2 indices here, but is written with 1", "X takes N indices here, but is written with N"),
    ("not supported: adding a 2×3 matrix and a scalar", "adding <shape> and <shape>"),
    ("not supported: the index z is used outside any sum and has no value here",
     "the index X is used outside any sum and has no value here"),
    ("the chain this step continues could not be read, so there is nothing to compare with",
     "the chain this step continues could not be read, so there is nothing to compare with"),
])
def test_reasons_are_bucketed_without_their_specifics(reason: str, expected: str) -> None:
    assert corpus.bucket(reason) == expected


def doc(read: bool = True, found: tuple = (), flags: tuple = (), wrong: tuple = ()) -> dict:
    return {"read": read, "found": list(found), "false_flags": list(flags), "wrong_valid": list(wrong)}


def test_the_ratchet_names_each_regression_and_each_improvement() -> None:
    old = {"s/a": doc(found=("m1", "m2"), flags=("f1",)), "s/b": doc(), "s/c": doc(read=False)}
    new = {"s/a": doc(found=("m2", "m3"), flags=("f1", "f1")), "s/b": doc(read=False, wrong=("w",)),
           "s/c": doc(found=("m4",)), "s/d": doc(flags=("f2",))}
    assert corpus.regressions(old, new) == [
        "s/a: keyed mistake no longer found: m1", "s/a: new false flag: f1", "s/b: no longer read",
        "s/b: new wrong step called valid: w", "s/d: new false flag: f2"]
    assert corpus.improvements(old, new) == ["s/a: now found: m3", "s/c: now read", "s/c: now found: m4", "s/d: now read"]
    assert corpus.regressions(new, new) == corpus.improvements(new, new) == []
    assert corpus.regressions({"s/e": doc()}, {}) == ["s/e: recorded, but no longer in the corpus"]


def test_record_refuses_to_lose_a_found_mistake_unless_told(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    assert corpus.record({"s/a": doc(found=("m1",), flags=("f1",))}, False, path) == 0
    assert corpus.record({"s/a": doc(found=("m2",))}, False, path) == 1
    assert corpus.load_baseline(path) == {"s/a": doc(found=("m1",), flags=("f1",))}
    assert corpus.record({"s/a": doc(found=("m2",))}, True, path) == 0
    assert corpus.load_baseline(path) == {"s/a": doc(found=("m2",))}


@needs_corpus
def test_the_holdout_is_scored_only_when_named() -> None:
    assert corpus.resolve_parts([]) == list(corpus.DEV_PARTS)
    assert corpus.resolve_parts(["holdout"]) == ["holdout/linear", "holdout/networks", "holdout/softmax"]
    assert corpus.resolve_parts(["holdout/softmax/"]) == ["holdout/softmax"]
