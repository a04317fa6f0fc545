"""Shared helpers: check a derivation written inline, in-process (no workers)."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck.verdict.checker import Options, check, run_inline
from derivcheck.read.source import read_document

SOFTMAX_HEADER = r"""---
sizes: {K: classes, D: features}
indices: {i: D, j: K, k: K, l: K}
symbols:
  '\Theta_{ij}': weights
  'x_i': input
  'y_k': one-hot label
definitions:
  - 'z_j = \sum_{i=1}^{D} \Theta_{ij} x_i'
  - 'g_k(z) = \frac{e^{z_k}}{\sum_{l=1}^{K} e^{z_l}}'
  - 'J = -\sum_{k=1}^{K} y_k \log(g_k(z))'
gradient:
  - {of: 'J', wrt: '\Theta_{ij}'}
---
"""


def run_text(text: str, sizes: dict | None = None):
    """Check a derivation given as text; returns the DerivationResult."""
    doc = read_document("inline.md", textwrap.dedent(text))
    return run_inline(check(doc, Options(sizes=sizes or {})))


def verdicts(result) -> list[str]:
    return [s.verdict for s in result.steps]


@pytest.fixture
def softmax_header() -> str:
    return SOFTMAX_HEADER
