"""What the readers of the inference share, and what they produce.

Each reader (definitions.py, roles.py, shapes.py, model.py, conditions.py, blocks.py) reads one
kind of evidence from the text and leaves its findings here: the definitions found so far, the
index scopes (the Scanner), stated shapes, per-display notes, and a Note for every inference, so a
person can read (and correct) what was inferred. infer.py runs them in order and writes the header.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..read.source import Document
from .axes import Axes, Scanner, subscript_offsets
from .conventions import CONVENTIONS, TRUE_CLASS, fresh_names, model_kind
from .gather import Reader, bases, names_used
from .statements import Definition


@dataclass(frozen=True)
class Note:
    """One thing inferred, and on what grounds.

    ``kind``: ``stated`` (the document says it), ``convention`` (the field's convention, the
    document does not say it), ``undefined`` (used, never defined), ``ignored`` (a statement the
    notation could not use, and why).
    """
    kind: str
    text: str
    line: int | None = None


@dataclass
class Inferred:
    header: dict
    notes: list[Note]


def family_entry(name: str, fam: dict, axes: Axes, drop: str | None = None) -> dict:
    """The header's ``symbols`` entry for a family: pattern -> role (and shape)."""
    sub = [axes.canonical_letter(axes.size_of_slot(s)) for s in fam["sub"] if axes.role_of_slot(s) != drop]
    sup = [axes.canonical_letter(axes.size_of_slot(s)) for s in fam["sup"] if axes.role_of_slot(s) != drop]
    pattern = pattern_text(name, sub, sup)
    if fam["shape"]:
        return {pattern: {"role": fam["role"], "shape": list(fam["shape"])}}
    return {pattern: fam["role"]}


def pattern_text(name: str, sub: list[str], sup: list[str]) -> str:
    """``W_{k,d}^{(l)}``: a name with its subscript and superscript letters."""
    base = "{" + name + "}" if sup and "^" in name else name      # {z^{(L)}}^{(i)}: never two superscripts
    return base + ("_{" + ",".join(sub) + "}" if sub else "") + ("^{(" + ",".join(sup) + ")}" if sup else "")


class Evidence:
    """The blackboard the readers share: the document parsed once, the notes, and the findings so far."""

    def __init__(self, doc: Document, defaults: dict):
        self.doc = doc
        self.defaults = defaults
        self.read = Reader(doc)
        self.notes: list[Note] = []
        # an assignment's model wins over what the words suggest ("the softmax generalises the sigmoid")
        self.model = defaults.get("model") or model_kind(doc.text, [e.node for e in self.read.chain_exprs()])
        self.fresh = fresh_names(defaults.get("sizes"))
        self.names = names_used(e.node for e in self.read.chain_exprs())
        written = bases(self.read.chain_exprs())
        self.stated_labels = {m.group(1) or m.group(2) for m in TRUE_CLASS.finditer(doc.text)} & self.names
        labels = {x for x in CONVENTIONS["label"] if x in self.names and (x != "t" or x in written)}
        self.scanner = Scanner(frozenset(labels | self.stated_labels),
                               subscript_offsets(e.node for e in self.read.chain_exprs()))
        self.definitions: dict[str, Definition] = {}
        self.later: dict[str, list[Definition]] = defaultdict(list)   # other definitions of a symbol, in order
        self.shaped: set[str] = set()       # symbols whose shape the text states (X ∈ R^{N×D})
        self.upstream: dict[str, str] = {}  # a loss never defined -> the quantity it is any function of
        self.block_notes: dict[int, dict] = defaultdict(dict)
        self.unstated_one_hot: set[str] = set()   # labels indexed by class, one-hot only as a reading
        self.ambiguous: set[str] = set()          # letters the text gives a second meaning (let σ = …)
        self.graph_nodes: set[str] = set()        # statistics a local derivative may hold fixed (batch norm's μ)

    def note(self, kind: str, text: str, line: int | None = None) -> None:
        if not any(x.text == text for x in self.notes):
            self.notes.append(Note(kind, text, line))
