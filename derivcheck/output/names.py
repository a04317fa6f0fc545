"""Report names: one per input path, readable, and the same from run to run.

A report is named by its file's stem (``derivations/000_x.md`` -> ``000_x``). Two inputs with one
stem (``alice/hw.md``, ``bob/hw.md``) would overwrite each other's report, so a name that would be
shared takes folders from the path until it is not (``alice__hw``, ``bob__hw``), the way grading
names students. A name already held in the reports folder by another file that still exists is
not taken over; a file keeps the name its report already has.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

#: Names the reports folder uses for itself.
RESERVED = frozenset({"index"})


def report_names(paths: list[Path], owners: dict[str, str] | None = None) -> list[str]:
    """One name per path (the paths are distinct files). ``owners``: the names the reports folder
    already holds -> the absolute path of the file each report is about (files that still exist)."""
    owners = owners or {}
    candidates = [_candidates(p) for p in paths]
    held = [{c for c in cands if owners.get(c) == _absolute(p)} for cands, p in zip(candidates, paths)]
    level = [next((k for k, c in enumerate(cands) if c in mine), 0) for cands, mine in zip(candidates, held)]
    while True:
        names = [cands[k] for cands, k in zip(candidates, level)]
        counts = Counter(names)
        bump = [i for i, name in enumerate(names)
                if level[i] + 1 < len(candidates[i]) and name not in held[i]
                and (name.lower() in RESERVED or counts[name] > 1 or name in owners)]
        if not bump:
            return names
        for i in bump:
            level[i] += 1


def _candidates(path: Path) -> list[str]:
    """``a/b/hw.md`` -> ``hw``, ``b__hw``, ``a__b__hw``, … (the absolute path, innermost first)."""
    parts = [p for p in Path(_absolute(path)).parent.parts if p not in ("/", "\\")] + [path.stem]
    return ["__".join(parts[-k:]) for k in range(1, len(parts) + 1)]


def _absolute(path: Path | str) -> str:
    return os.path.abspath(path)
