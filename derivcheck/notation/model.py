"""What the document uses and never defines, completed from its model, and said so.

Logits ``z = Wx + b``, a softmax or sigmoid output, the identity matrix, a matrix made of weight
vectors or of its entries, the n-th term of a sum over samples, named parts of a loss, the value of
a quantity written with its sample index dropped; what is left is declared unknown.
"""

from __future__ import annotations

import re

from ..latex import nodes as n
from ..latex.render import to_latex
from .axes import Axes, head_name, index_items, split_sup
from .conventions import CONVENTIONS, CUES_SOFTMAX, CUES_SOFTMAX_OUTPUT, FUNCTION_LETTERS, lower_case, stem
from .evidence import Evidence, pattern_text
from .gather import read_math
from .shapes import memberships
from .statements import Definition, arity, mentions


def complete(ev: Evidence, roles: dict[str, str], axes: "Axes", families: dict[str, dict]) -> None:
    """Logits and probabilities the document uses and never defines, from its model."""
    _complete_dropped_samples(ev, families, axes)
    _complete_terms_of_sums(ev, families, axes)
    _complete_named_parts(ev, families)
    _complete_identity(ev, families, axes)
    _complete_sigmoid(ev, families)
    _complete_matrix_of_vectors(ev, families, axes)
    _complete_named_softmax(ev, families, axes)
    _complete_one_hot_of_class(ev, families, axes)
    weights = [x for x, f in families.items() if f["role"] == "weights"]
    inputs = [x for x, f in families.items() if f["role"] == "input"]
    if ev.model not in ("softmax", "logistic", None) or len(weights) != 1 or len(inputs) != 1:
        return
    w, x = weights[0], inputs[0]
    bias = next((b for b, f in families.items() if f["role"] == "bias"), None)
    logits = next((z for z in sorted(CONVENTIONS["logits"]) if z in families and z not in ev.definitions
                   and _open(families[z])), None)
    if logits is not None:
        text = _logits_text(ev, logits, w, x, bias, families, axes)
        if text is not None:
            blocks = _blocks_mentioning(ev, {w} | ({bias} if bias else set()))
            if set(blocks) >= {b for c in ev.read.chains for b in c.blocks}:
                blocks = None       # every display involves the weights: one definition for all
            d = _definition_from_text(text, logits, "convention", blocks)
            if d is not None:
                ev.definitions[logits] = d
                if blocks is None:
                    del families[logits]
                where = f" (in the displays that involve ${w}$)" if blocks is not None else ""
                ev.note("convention", f"${logits}$ is never defined; read as the logits of the model, "
                          f"${text}${where}")
    for name in sorted(families):
        fam = families[name]
        if not _open(fam) or name not in CONVENTIONS["prediction"] | {"g", "h"}:
            continue
        z = logits or next((c for c in sorted(CONVENTIONS["logits"]) if c in ev.names), None)
        if z is None:
            continue
        text = _prediction_text(ev, name, z, fam, families, axes)
        if text:
            kind = "softmax" if "sum" in text else "logistic sigmoid"
            _adopt(ev, families, name, text, "convention", f"${name}$ is never defined; read as the {kind} of ${z}$: ${text}$")


def _complete_one_hot_of_class(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """"$y$ is one-hot and $k$ is the index of the correct class": y is the one-hot vector of k,
    ``y_j = \\mathbf{1}\\{j = k\\}``, one label, not two that vary apart."""
    one_hot = [x for x, f in families.items() if f["role"] == "one-hot label" and len(f["sub"]) == 1
               and not f["sup"] and not f["shape"] and axes.role_of_slot(f["sub"][0]) == "classes"]
    classes = [x for x, f in families.items() if f["role"] == "class label" and not f["sub"] and not f["sup"]
               and x in ev.stated_labels]
    if len(one_hot) != 1 or len(classes) != 1:
        return
    y, k = one_hot[0], classes[0]
    letter = axes.letter_for("classes")
    if letter == k:
        return
    text = f"{y}_{{{letter}}} = \\mathbf{{1}}\\{{{letter} = {k}\\}}"
    _adopt(ev, families, y, text, "stated", f"${y}$ is the one-hot vector of the true class ${k}$: ${text}$")


def _adopt(ev: Evidence, families: dict[str, dict], name: str, text: str, kind: str, message: str) -> bool:
    """Read ``name`` by the definition ``text`` a convention or the prose gives it, in place of its family,
    and say so; False (nothing changed) when the text does not read as a definition of it."""
    d = _definition_from_text(text, name, "convention", None)
    if d is None:
        return False
    ev.definitions[name] = d
    del families[name]
    ev.note(kind, message)
    return True


def _open(fam: dict) -> bool:
    """A family the model may complete: of no known role, and not the label (a label is data)."""
    return fam["role"] in ("unknown", "variable") and not fam.get("label")


def _complete_named_softmax(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """"A softmax that produces the vector $s$", with no formula: s is the softmax of the
    document's defined logits."""
    logits = [z for z in sorted(CONVENTIONS["logits"]) if z in ev.definitions]
    for item, _ in ev.read.inline:
        _, node = read_math(item.text)
        name = node.name if isinstance(node, n.Sym) else None
        if name is None or not CUES_SOFTMAX_OUTPUT.search(item.before) or name not in families \
                or name in ev.definitions:
            continue
        z = next((c for c in logits if c != name), None)
        text = _prediction_text(ev, name, z, families[name], families, axes) if z else None
        if text:
            _adopt(ev, families, name, text, "stated",
                   f"${name}$ is the softmax of ${z}$ (the text says so, line {item.line}): ${text}$")


def _complete_dropped_samples(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """``p_k`` where the text defines ``p^{(i)}_k`` ("dropping the superscript (i)"): the same
    quantity for one sample, read at sample 1 (every sample is alike in a per-sample step)."""
    for name, fam in list(families.items()):
        if fam["shape"] or not _open(fam):
            continue
        for d in [d for d in ev.definitions.values() if d.name == name]:
            head = d.lhs.head if isinstance(d.lhs, n.Call) else d.lhs
            sups = split_sup(head.sup)[0] if isinstance(head, n.Scripted) else []
            subs = index_items(head.sub) if isinstance(head, n.Scripted) and head.sub else []
            if len(sups) != 1 or len(subs) != len(fam["sub"]) or not isinstance(sups[0], n.Sym) \
                    or axes.sizes.get(axes.letters.get((d.scope, sups[0].name))) != "samples":
                continue
            letters = [axes.canonical_letter(axes.size_of_slot(x)) for x in fam["sub"]]
            entry = ("_{" + ",".join(letters) + "}") if letters else ""
            text = f"{name}{entry} = {name}^{{(1)}}{entry}"
            alias = _definition_from_text(text, name, "convention", None)
            if alias is not None:
                ev.definitions[f"{name}@dropped"] = alias
                del families[name]
                ev.note("stated", f"${name}{entry}$ is ${name}^{{(i)}}{entry}$ with the sample index dropped; "
                          f"read for one sample: ${text}$")
            break


def _complete_matrix_of_vectors(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """``W`` beside weight vectors ``w_j`` (one per class): W is made of them, its rows unless the
    text says columns (``W = [w_1, …, w_C]``)."""
    for name, fam in list(families.items()):
        lower = lower_case(name)
        bare = (not fam["sub"] or name in ev.shaped) and not fam["sup"]
        if lower and bare and _entries_of(ev, name, lower, families, axes):
            continue
        vectors = families.get(lower) if lower else None
        if fam["role"] not in ("unknown", "input", "weights") or vectors is None \
                or vectors["role"] not in ("weights", "input") or len(vectors["sub"]) != 1 or not vectors["shape"]:
            continue
        class_size, feature_size = axes.size_of_slot(vectors["sub"][0]), vectors["shape"][0]
        stated = memberships(ev).get(name, [])
        if len(stated) == 2 and class_size in stated:       # W ∈ R^{D×C}: the class axis says which
            columns = stated[1] == class_size and stated[0] != class_size
            feature_size = vectors["shape"][0] = stated[0] if columns else stated[1]
        else:
            columns = re.search(rf"{re.escape(name)}\s*=\s*\[\s*{re.escape(lower)}_1|columns? of \$?{re.escape(name)}",
                                ev.doc.text) is not None
        own = [(name, "sub", 0), (name, "sub", 1)] if len(fam["sub"]) == 2 else []
        for slot_, size_name in zip(own, (feature_size, class_size) if columns else (class_size, feature_size)):
            axes.resize(slot_, size_name)       # W_{k,l}: its axes are the classes and the features
        cls = axes.canonical_letter(class_size)
        feat = axes.canonical_letter(feature_size)
        if feat == cls:
            feat = axes.second_letter(feature_size)
        pattern = f"{name}_{{{feat},{cls}}}" if columns else f"{name}_{{{cls},{feat}}}"
        text = f"{pattern} = ({lower}_{{{cls}}})_{{{feat}}}"
        where = "columns" if columns else "rows"
        _adopt(ev, families, name, text, "convention",
               f"${name}$ is read as the matrix whose {where} are the ${lower}_{{{cls}}}$: ${text}$")


def _entries_of(ev: Evidence, name: str, lower: str, families: dict[str, dict], axes: "Axes") -> bool:
    """``X`` beside entries ``x_{nd}``, ``\\hat{Y}`` beside ``\\hat{y}_{nk}``: the matrix of those
    entries. Defined so (and said so); whether it was."""
    entry = families.get(lower)
    slots = entry["sub"] if entry is not None and not entry["shape"] else None
    if slots is None:
        defined = [d for d in ev.definitions.values() if d.name == lower and arity(d.lhs) == 2]
        uses = ev.scanner.uses.get(lower)
        slots = [(lower, "sub", 0), (lower, "sub", 1)] if defined and uses and 2 in uses.sub_arity else None
    if not slots or len(slots) != 2:
        return False
    first = axes.canonical_letter(axes.size_of_slot(slots[0]))
    second = axes.canonical_letter(axes.size_of_slot(slots[1]))
    if second == first:
        second = axes.second_letter(axes.size_of_slot(slots[1]))
    text = f"{name}_{{{first},{second}}} = {lower}_{{{first},{second}}}"
    d = _definition_from_text(text, name, "convention", None)
    if d is None:
        return False
    ev.definitions[name] = d
    del families[name]
    ev.note("convention", f"${name}$ is read as the matrix of the entries ${lower}_{{{first},{second}}}$: ${text}$")
    return True


def _complete_identity(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """``I_{ck}`` in a text that speaks of the identity matrix: the Kronecker delta."""
    fam = families.get("I")
    if fam is None or len(fam["sub"]) != 2 or not re.search(r"identity", ev.doc.text, re.I):
        return
    size = axes.size_of_slot(fam["sub"][0])
    a, b = axes.canonical_letter(size), axes.second_letter(size)
    text = f"I_{{{a},{b}}} = \\delta_{{{a},{b}}}"
    d = _definition_from_text(text, "I", "convention", None)
    if d is not None:
        ev.definitions["I"] = d
        del families["I"]
        ev.note("stated", f"$I$ is the identity matrix: ${text}$")


def _complete_terms_of_sums(ev: Evidence, families: dict[str, dict], axes: "Axes") -> None:
    """``E_n`` where only ``E = -\\sum_{n=1}^N \\{…\\}`` is defined ("write $E = \\sum_n E_n$"): the
    n-th term of that sum over the samples."""
    for name, d in list(ev.definitions.items()):
        uses = ev.scanner.uses.get(name)
        if "@" in name or arity(d.lhs) or uses is None or not uses.sub_arity.get(1) \
                or f"{name}@1" in ev.definitions:
            continue
        body, sign = (d.rhs.arg, "-") if isinstance(d.rhs, n.Neg) else (d.rhs, "")
        if not isinstance(body, n.Sum) or body.product or body.conditions \
                or not (isinstance(body.upper, n.Sym) and axes.sizes.get(body.upper.name) == "samples"):
            continue    # L = -Σ_k y_k log s_k beside a batch's L_n: L_n is not a term of that sum
        term = body.body.arg if isinstance(body.body, n.Group) else body.body
        if mentions(term, name):
            continue    # E = Σ_j E_j: the sum names its terms, and says nothing of them
        text = f"{name}_{{{body.index}}} = {sign}\\left({to_latex(term)}\\right)"
        term_def = _definition_from_text(text, name, "convention", None)
        if term_def is not None:
            ev.definitions[f"{name}@1"] = term_def
            families.pop(name, None)
            ev.note("convention", f"${name}_{{{body.index}}}$ is the {body.index}-th term of the sum that "
                      f"defines ${name}$: ${text}$")


def _complete_named_parts(ev: Evidence, families: dict[str, dict]) -> None:
    """"We write $J = J_{\\text{data}} + J_{\\text{reg}}$" of a J defined as a sum of as many terms:
    each name is its term, in order."""
    for item, parts in ev.read.inline:
        if len(parts) != 2 or parts[1][0] != "=" or parts[0][1] is None or parts[1][1] is None:
            continue
        whole, split = parts[0][1].node, parts[1][1].node
        d = ev.definitions.get(head_name(whole) or "")
        if d is None or not isinstance(split, n.Add) or not isinstance(d.rhs, n.Add) \
                or len(split.terms) != len(d.rhs.terms):
            continue
        names = [head_name(t) for t in split.terms]
        if not all(isinstance(t, n.Sym) and t.name not in ev.definitions for t in split.terms):
            continue
        for name, term in zip(names, d.rhs.terms):
            text = f"{name} = {to_latex(term)}"
            part = _definition_from_text(text, name, "inline", None)
            if part is not None:
                ev.definitions[name] = part
                families.pop(name, None)
                ev.note("stated", f"${name}$ is a term of ${d.name}$ (line {item.line}): ${text}$")


def _complete_sigmoid(ev: Evidence, families: dict[str, dict]) -> None:
    """``\\sigma(a_j)`` applied to a scalar and never defined, in a document that speaks of the
    sigmoid (or of a binary model or a network): the logistic sigmoid."""
    if not re.search(r"sigmoid|logistic", ev.doc.text, re.I) and ev.model not in ("logistic", "network"):
        return
    for name in ("\\sigma", "g", "h", "\\phi"):
        fam = families.get(name)
        uses = ev.scanner.uses.get(name)
        if fam is None or fam["sub"] or fam["sup"] or uses is None or not uses.called or \
                any(len(args) != 1 for args in uses.call_args):
            continue
        text = f"{name}(u) = \\frac{{1}}{{1 + e^{{-u}}}}"
        _adopt(ev, families, name, text, "convention", f"${name}$ is never defined; read as the logistic sigmoid, ${text}$")


def _logits_text(ev: Evidence, z: str, w: str, x: str, bias: str | None, families, axes: "Axes") -> str | None:
    zf, wf, xf = families[z], families[w], families[x]
    feature = axes.letter_for("features")
    if ev.model == "logistic" or not axes.has("classes"):
        w_term = _entry_text(w, wf, axes, {"features": feature})
        x_term = _entry_text(x, xf, axes, {"features": feature})
        if w_term is None or x_term is None:
            return None
        total = f"\\sum_{{{feature}=1}}^{{{axes.size_named('features')}}} {w_term} {x_term}"
        return f"{z} = {total}" + (f" + {bias}" if bias else "")
    cls = axes.letter_for("classes")
    z_axes = [axes.role_of_slot(s) for s in zf["sub"]]
    if z_axes != ["classes"]:
        return None
    letters = {"classes": cls, "features": feature}
    w_term = _entry_text(w, wf, axes, letters)
    x_term = _entry_text(x, xf, axes, letters)
    if w_term is None or x_term is None:
        return None
    out = f"{z}_{{{cls}}} = \\sum_{{{feature}=1}}^{{{axes.size_named('features')}}} {w_term} {x_term}"
    if bias:
        b_term = _entry_text(bias, families[bias], axes, letters)
        if b_term is not None:
            out += f" + {b_term}"
    return out


def _prediction_text(ev: Evidence, name: str, z: str, fam: dict, families, axes: "Axes") -> str | None:
    uses = ev.scanner.uses.get(name)
    args = ""
    if uses and uses.call_args:
        first = uses.call_args[0]
        if all(isinstance(a, n.Sym) for a in first):
            args = "(" + ", ".join(a.name for a in first) + ")"
    if ev.model in ("softmax", None) and axes.has("classes") and len(fam["sub"]) == 1 \
            and axes.role_of_slot(fam["sub"][0]) == "classes":
        cls = axes.letter_for("classes")
        size_name = axes.size_named("classes")
        other = axes.second_letter(size_name)
        return (f"{name}_{{{cls}}}{args} = \\frac{{e^{{{z}_{{{cls}}}}}}}{{\\sum_{{{other}=1}}^{{{size_name}}} "
                f"e^{{{z}_{{{other}}}}}}}")
    if ev.model in ("softmax", None) and axes.has("classes") and not fam["sub"] and uses and uses.call_args \
            and all(len(a) == 1 and head_name(a[0]) == z and isinstance(a[0], n.Scripted) for a in uses.call_args):
        # σ(z_i): applied to one logit, the softmax of it
        cls = axes.letter_for("classes")
        other = axes.second_letter(axes.size_named("classes"))
        return (f"{name}({z}_{{{cls}}}) = \\frac{{e^{{{z}_{{{cls}}}}}}}{{\\sum_{{{other}=1}}^"
                f"{{{axes.size_named('classes')}}} e^{{{z}_{{{other}}}}}}}")
    if not fam["sub"] and not fam["sup"] and name in ("\\sigma", "g", "h"):
        return f"{name}(u) = \\frac{{1}}{{1 + e^{{-u}}}}"
    return None


def _blocks_mentioning(ev: Evidence, names: set[str]) -> tuple[int, ...]:
    blocks: set[int] = set()
    for chain in ev.read.chains:
        if any(isinstance(x, n.Sym) and x.name in names for e in chain.exprs for x in n.walk(e.node)):
            blocks.update(chain.blocks)
    return tuple(sorted(blocks))


def _equated(ev: Evidence, name: str) -> bool:
    """Whether a chain of the text sets ``name`` (or a function of it, ``\\ln\\lambda_i``) equal to an expression
    with letters: a Poisson rate ``\\lambda_i = e^{x_i'\\beta}`` the text gives, though no definition was adopted."""
    for chain in ev.read.chains:
        sides = [e.node for e in chain.exprs]
        for a, b in zip(sides, sides[1:]):
            for this, other in ((a, b), (b, a)):
                if _names_only(this, name) and any(isinstance(x, n.Sym) and x.name != name for x in n.walk(other)):
                    return True
    return False


def _names_only(node: n.Node, name: str) -> bool:
    """``λ_i`` or ``\\ln λ_i``: the symbol, possibly under one function, and nothing else."""
    node = node.arg if isinstance(node, n.Apply) else node
    return head_name(node) == name and isinstance(node, (n.Sym, n.Scripted))


def declare_unknowns(ev: Evidence, roles: dict[str, str], families: dict[str, dict]) -> None:
    """What is still undefined: a constant by convention, or ``unknown`` (steps through it are not decided)."""
    for name, fam in sorted(families.items()):
        if fam["role"] != "unknown" or name in ev.upstream:
            continue
        uses = ev.scanner.uses.get(name)
        differentiated = uses is not None and bool(uses.differentiated)    # ∂μ/∂x_i: not a constant
        kind = _any_function(ev, name, fam)     # σ(z_j): applied, so a function, though a lowercase command
        # a lowercase command is a constant (\lambda); a bare \sum or \prod names a quantity defined in words
        # (an indexed λ_i that the text equates with an expression, ln λ_i = x_i'β, is a quantity, not a constant)
        if kind is None and not differentiated and not (fam["sub"] and _equated(ev, name)) and (
                name in CONVENTIONS["constant"] or (
                    name.startswith("\\") and name[1:].isalpha() and name[1:].islower() and not fam["sub"]
                    and name not in ("\\sum", "\\prod"))):
            fam["role"] = "variable"
            ev.note("convention", f"${name}$ is never defined; read as a constant")
            continue
        if kind is not None:
            fam["role"] = kind
            ev.note("convention", f"${name}$ is applied and never defined: read as any function" + (
                " of the whole vector whose entry it is written at (the text speaks of a softmax)"
                if kind == "vector function" else "") + ", so a step through it is proved only where it holds "
                "for every such function")
            continue
        shown = name + ("_{" + ",".join("·" for _ in fam["sub"]) + "}" if fam["sub"] else "")
        ev.note("undefined", f"${shown}$ is never defined: steps that differentiate through it are "
                  "not decided")


def _any_function(ev: Evidence, name: str, fam: dict) -> str | None:
    """``f^{(L)}(z_j)``, ``\\phi'(a_t)``: a function letter (FUNCTION_LETTERS, with its layer label and
    primes), never written with an index, and only ever applied to one argument. Read so, it acts on each
    entry alone; where the text speaks of a softmax, one applied to an entry (``f^{(L)}(z_j)``) may be that
    softmax, which does not: entry j of any function of the whole vector."""
    uses = ev.scanner.uses.get(name)
    letter = stem(name).rstrip("'")
    if not (letter in FUNCTION_LETTERS and not fam["sub"] and not fam["sup"] and not fam.get("shape")
            and uses is not None and bool(uses.call_args) and uses.count == len(uses.call_args)
            and all(len(args) == 1 for args in uses.call_args)):
        return None
    if CUES_SOFTMAX.search(ev.doc.text) and any(_an_entry(args[0]) for args in uses.call_args):
        return "vector function"
    return "function"


def _an_entry(arg: n.Node) -> bool:
    arg = n.ungroup(arg)
    return isinstance(arg, n.Scripted) and bool(arg.sub)


def _entry_text(name: str, fam: dict, axes: Axes, letters: dict[str, str]) -> str | None:
    """``\\Theta_{d,k}``: a family's entry at the axes' letters (by role), in its own layout."""
    try:
        sub = [letters[axes.role_of_slot(s)] for s in fam["sub"]] + [letters[axes.sizes.get(x)] for x in fam["shape"]]
        sup = [letters[axes.role_of_slot(s)] for s in fam["sup"]]
    except KeyError:
        return None
    return pattern_text(name, sub, sup)


def _definition_from_text(text: str, name: str, how: str, blocks) -> Definition | None:
    lhs_text, _, rhs_text = text.partition(" = ")
    _, lhs = read_math(lhs_text)
    _, rhs = read_math(rhs_text)
    if lhs is None or rhs is None:
        return None
    return Definition(name, lhs, rhs, 0, how, -1, text, tuple(blocks) if blocks is not None else None)
