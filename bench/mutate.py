"""Student-like mistakes, made at random (seeded) in correct proofs: for grading benchmarks.

Each mutation changes the math of one display the way students slip: an index letter swapped, a
sign flipped, a factor dropped, a number changed, a backslash escape eaten, a display deleted.
"""

from __future__ import annotations

import random
import re

DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)


def _displays(text: str) -> list[tuple[int, int]]:
    return [(m.start(1), m.end(1)) for m in DISPLAY.finditer(text)]


def _edit_in_display(text: str, rng: random.Random, pattern: str, replace) -> str | None:
    spans = _displays(text)
    rng.shuffle(spans)
    for start, end in spans:
        found = list(re.finditer(pattern, text[start:end]))
        if found:
            m = rng.choice(found)
            a, b = start + m.start(), start + m.end()
            new = replace(m, rng)
            if new is not None:
                return text[:a] + new + text[b:]
    return None


def swap_index(text: str, rng: random.Random) -> str | None:
    return _edit_in_display(text, rng, r"(?<=_)[ijkd](?![a-z])|(?<=_\{)[ijkd](?=\})",
                            lambda m, r: r.choice([c for c in "ijk" if c != m.group(0)]))


def flip_sign(text: str, rng: random.Random) -> str | None:
    return _edit_in_display(text, rng, r"(?<=[\s)}]) ?[-+] ?(?=[\\(a-z0-9])",
                            lambda m, r: m.group(0).replace("-", "#").replace("+", "-").replace("#", "+"))


def drop_factor(text: str, rng: random.Random) -> str | None:
    return _edit_in_display(text, rng, r"\s?(x|x\^\{\(i\)\})_\{?[a-z]+\}?(?=\s*(\$|\\\\|\)|\]|\s*$))",
                            lambda m, r: "")


def change_number(text: str, rng: random.Random) -> str | None:
    return _edit_in_display(text, rng, r"(?<![_^{0-9])[12](?![0-9}])", lambda m, r: "3" if m.group(0) == "2" else "2")


def eat_escape(text: str, rng: random.Random) -> str | None:
    return _edit_in_display(text, rng, r"\\(frac|right|boldsymbol|sum)",
                            lambda m, r: {"frac": "rac", "right": "ight", "boldsymbol": "oldsymbol",
                                          "sum": "sum"}[m.group(1)] if m.group(1) != "sum" else "\\sum ")


def delete_display(text: str, rng: random.Random) -> str | None:
    spans = [m.span() for m in DISPLAY.finditer(text)]
    if len(spans) < 3:
        return None
    a, b = rng.choice(spans[1:-1])
    return text[:a] + text[b:]


MUTATIONS = (swap_index, flip_sign, drop_factor, change_number, eat_escape, delete_display)


def mutate(text: str, rng: random.Random, count: int) -> tuple[str, list[str]]:
    """``text`` with ``count`` mutations (fewer if none applies), and their names."""
    done = []
    for _ in range(count):
        for op in rng.sample(MUTATIONS, len(MUTATIONS)):
            new = op(text, rng)
            if new is not None and new != text:
                text = new
                done.append(op.__name__)
                break
    return text, done
