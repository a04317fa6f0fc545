"""Measure LaTeX front ends on every step fragment of the seeds: latex2sympy2 and derivcheck's reader.

    .venv/bin/pip install -e '.[compare]' && .venv/bin/python bench/frontends.py

For each of the 118 fragments (every side of every relation, and every display without one) it
reports whether each front end reads it, and for latex2sympy2 whether what it read means what the
author wrote: a subscripted name kept as one atom (``z_j``: a sum over j then sums a constant),
``\\log`` as base 10, a transpose dropped. For derivcheck it also reports how many steps the
checker then decides exactly.
"""

from __future__ import annotations

import re
import signal
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derivcheck.latex import rules  # noqa: E402
from derivcheck.verdict.checker import Options, check, read, run_inline  # noqa: E402
from derivcheck.latex.commands import LAYOUT  # noqa: E402
from derivcheck.notation.header import load_notation  # noqa: E402
from derivcheck.read.source import read_document  # noqa: E402


def fragments():
    """(derivation, notation, text) for every fragment, read the way the checker reads them."""
    for path in sorted((ROOT / "derivations").glob("*.md")):
        doc = read_document(str(path), path.read_text())
        notation = load_notation(doc.header)
        for chain in doc.chains:
            yield path.stem, doc, notation, chain.first.text
            for link in chain.links:
                yield path.stem, doc, notation, link.piece.text
        for piece in doc.lone:
            yield path.stem, doc, notation, piece.text


def layout_normalised(text: str) -> str:
    """Our damage and slip rules, then layout commands removed: the fairest input for latex2sympy2."""
    text, _ = rules.apply(text, "damage", None)
    text, _ = rules.apply(text, "slip", None)
    names = sorted((c for c in LAYOUT if c.isalpha()), key=len, reverse=True)
    text = re.sub(r"\\(" + "|".join(names) + r")(?![A-Za-z])\.?", " ", text)
    return re.sub(r"\\[,;:! ]", " ", text)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def latex2sympy2_reading(text: str):
    """(read?, problems) for latex2sympy2 on ``text``, two seconds at most."""
    from latex2sympy2 import latex2sympy
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(2)
    try:
        expr = latex2sympy(text)
    except _Timeout:
        return False, ["timed out"]
    except Exception:  # noqa: BLE001 - any failure to read counts as not read
        return False, []
    finally:
        signal.alarm(0)
    return True, _misreadings(text, expr)


def _misreadings(text: str, expr) -> list[str]:
    import sympy as sp
    problems = []
    atoms = getattr(expr, "free_symbols", set())
    if any(re.search(r"_\{?[a-z]", s.name) for s in atoms):
        problems.append("indexed name read as one atom")
    if "\\log" in text and any(isinstance(a, sp.log) and len(a.args) == 2 for a in sp.preorder_traversal(expr)):
        problems.append("log read as base 10")
    if re.search(r"\^\{?\s*(T|\\top)", text) or "\\top" in text:
        problems.append("transpose dropped")
    return problems


def ours_reads(notation, text: str) -> bool:
    """derivcheck's reader: damage and slip rules, then the grammar."""
    return read(text, notation).node is not None


def ours_decides() -> tuple[int, int]:
    """(steps decided, steps) when the checker runs on derivations/: valid or invalid, directly or
    through the repaired reading of a garbled step."""
    decided = total = 0
    for path in sorted((ROOT / "derivations").glob("*.md")):
        result = run_inline(check(read_document(str(path), path.read_text()), Options()))
        for step in result.steps:
            total += 1
            verdict = step.repair.verdict if step.verdict == "garbled" and step.repair else step.verdict
            decided += verdict in ("valid", "invalid")
    return decided, total


def main() -> None:
    rows = list(fragments())
    raw = norm = mine = 0
    problems: Counter = Counter()
    meaning_ok = 0
    for _, doc, notation, text in rows:
        raw += latex2sympy2_reading(text)[0]
        ok, found = latex2sympy2_reading(layout_normalised(text))
        norm += ok
        if ok:
            problems.update(found)
            meaning_ok += not found
        mine += ours_reads(notation, text)
    n = len(rows)
    print(f"fragments: {n}")
    print(f"latex2sympy2, raw text:               {raw:3d} read ({raw / n:.0%})")
    print(f"latex2sympy2, after our normalising:  {norm:3d} read ({norm / n:.0%}), "
          f"{meaning_ok} of them with no misreading found ({meaning_ok / n:.0%} of all)")
    for what, count in problems.most_common():
        print(f"    {count:3d} read with: {what}")
    print(f"derivcheck's reader:                  {mine:3d} read ({mine / n:.0%})")
    decided, steps = ours_decides()
    print(f"derivcheck's checker: {decided} of {steps} steps decided exactly (valid or invalid), "
          f"the rest garbled beyond repair or empty")


if __name__ == "__main__":
    main()
