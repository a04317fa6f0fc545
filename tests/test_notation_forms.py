"""Every form docs/notation.md lists, read as it says: the page is the table of forms, each row a test.

A row is ``- what: `written` → `read as` `` (or ``⇒ reason`` for a refused form). The written form goes
through what a step goes through (damage rules, slip rules, the grammar); rows under "Slips" must be
noted as a slip, every other row read silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivcheck.latex import rules
from derivcheck.latex.errors import LatexError
from derivcheck.latex.parse import parse_expression
from derivcheck.latex.render import to_latex

PAGE = Path(__file__).resolve().parent.parent / "docs" / "notation.md"
ROW = re.compile(r"`(?P<written>[^`]+)` (?:→ `(?P<read>[^`]+)`|⇒ (?P<reason>.+)$)")


def _rows():
    section = ""
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:]
        m = ROW.search(line)
        if m and (line.startswith("- ") or line.startswith("  ")):
            yield pytest.param(section, m.group("written"), m.group("read"), m.group("reason"), id=m.group("written"))


ROWS = list(_rows())


def _read(text: str):
    repaired, damage = rules.apply(text, "damage", None)
    reading, slips = rules.apply(repaired, "slip", None)
    return reading, damage, slips


def test_the_page_has_its_rows():
    assert len(ROWS) > 80


@pytest.mark.parametrize("section, written, read, reason", ROWS)
def test_each_form_reads_as_the_page_says(section, written, read, reason):
    reading, damage, slips = _read(written)
    assert damage == []
    if reason is not None:
        with pytest.raises(LatexError, match=re.escape(reason.strip())):
            parse_expression(reading)
        return
    assert to_latex(parse_expression(reading)) == read
    if section.startswith("Slips"):
        assert slips, f"{written} should be noted as a slip"
    else:
        assert slips == [], f"{written} should be read silently, not as {[s.rule for s in slips]}"


def test_every_slip_rule_is_on_the_page():
    page = PAGE.read_text(encoding="utf-8")
    slips = page[page.index("## Slips"):page.index("## Refused")]
    noted = {s.rule for row in ROWS if row.values[0].startswith("Slips") for s in _read(row.values[1])[2]}
    new = {"period-product", "kronecker-underscore", "detached-subscript", "bare-name", "bare-function",
           "delta-derivative"}
    assert new <= noted and "rules.py" in slips
