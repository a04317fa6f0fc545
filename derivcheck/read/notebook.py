"""Jupyter notebooks, read with nbformat: the markdown cells in order, as one text.

The cells are joined with a blank line between them, and each cell's offset in that text is kept,
so a finding can be placed as "cell 4, line 2" (cells counted as Jupyter shows them, code cells
included). Code cells and outputs are not read: a derivation is written in the markdown.
"""

from __future__ import annotations

import warnings

from .document import SourceError

#: What separates two cells in the joined text (a blank line: no construct runs on across it).
CELL_SEPARATOR = "\n\n"


def looks_like_notebook(text: str) -> bool:
    """A notebook is a JSON object; the joined text of its cells (re-read in a worker) is not."""
    return text.lstrip().startswith("{")


def notebook_cells(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The markdown cells joined, and (offset in the joined text, cell number) for each."""
    import nbformat
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4, capture_validation_error={})
        cells = list(notebook.cells)
    except Exception as err:  # noqa: BLE001 - nbformat raises several kinds on untrusted JSON
        raise SourceError(f"not a readable Jupyter notebook ({type(err).__name__}: "
                          f"{str(err).splitlines()[0][:160] if str(err) else ''})") from None
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if parts:
            offset += len(CELL_SEPARATOR)
        starts.append((offset, number))
        parts.append(source)
        offset += len(source)
    return CELL_SEPARATOR.join(parts), starts
