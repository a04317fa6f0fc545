"""Definitions: what an equation in the text says a symbol is.

Equations whose left side names a symbol (displayed, or inline in the prose), the entries of a
vector equation, and a loss defined by the first step of its own gradient. The first definition of
a symbol wins; one that would cut the loss off from the parameter it is differentiated by is set
aside; a definition written out inside another is read through it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..latex import nodes as n
from ..latex.parse import parse_expression
from ..latex.render import to_latex
from .axes import INDEX_LETTER, head_name, index_items
from .conventions import (
    CUES_DIAGONAL,
    CUES_HEDGED_AFTER,
    CUES_HEDGED_BEFORE,
    EXPECTATIONS,
    NAMED_FOR,
    NAMED_IN_WORDS,
    RESERVED,
    WRITES,
    conventional,
    free_letter,
    is_conventional,
    point_cue,
)
from .names import DIFFERENTIALS
from .evidence import Evidence
from .gather import Expr, read_math
from .signatures import generalized
from .statements import (
    Definition,
    arity,
    dependency_head,
    shallow,
    entries,
    entry_pattern,
    fold,
    has_parameters,
    is_pattern,
    mentions,
    part_names,
    refers_to_itself,
    strip_derivative,
    written_symbols,
)


def _define(ev: Evidence, d: Definition) -> bool:
    if d.name in ev.definitions or not _definable(ev, d):
        return False
    ev.definitions[d.name] = d
    return True


def _definable(ev: Evidence, d: Definition) -> bool:
    if isinstance(d.rhs, n.Num) or isinstance(d.rhs, n.Sym) and ev.scanner.is_index_letter(d.rhs.name):
        return False        # y_i = k, i = 1: a condition or a value, not what a symbol means
    if not written_symbols(d.rhs) and not isinstance(d.lhs, n.Call):
        return False        # Y = [1, 0, 0]: an example's values, not what Y means wherever it is written
    if any(isinstance(x, n.Unknown) for x in n.walk(d.rhs)):
        return False        # a^{max} = \max_j a_j: derivcheck cannot say what it is
    if (d.name in RESERVED and not (d.name in ("\\delta", "e") and arity(d.lhs) == 1)) \
            or d.name in ev.scanner.letter_scopes and INDEX_LETTER.match(d.name):
        return False
    if is_conventional(d.name, "weights", "bias", "input") and d.how != "convention" and not _computed(d):
        return False  # parameters and data are not defined by equations
    if d.name in EXPECTATIONS:
        return False  # ⟨x⟩ = μ, E[X] = μ: what an expectation comes to, not a function of the value x
    if d.name.endswith("'"):
        return False  # Σ' = …: a primed name is a derivative of another, whose meaning the equation claims, not gives
    if _outcome_ignored(d):
        return False  # P(t|z) = y: the probability of one outcome (t = 1) written loosely, not P of every t
    if DIFFERENTIALS in ev.read.names and d.name.startswith("d") and d.name[1:] in ev.names:
        return False  # d\hat{x}_i = dy_i \gamma_i: the gradient by x̂, which the equation claims, not gives
    return not refers_to_itself(d)


def _computed(d: Definition) -> bool:
    """Whether a letter that usually names parameters is computed from other parameters and the data here
    (``\\theta = w^T x + b``: the logits, not weights); a solution (``w = (X^T X)^{-1} X^T y``) uses no
    parameters, and ``W = [w_1, \\dots, w_C]`` no data."""
    used = written_symbols(d.rhs) - {d.name}
    return bool(conventional(used, "weights")) and bool(conventional(used, "input"))


def _hedged(ev: Evidence, index: int) -> bool:
    """Whether the prose around a display says its equation is a form to reach, not a definition."""
    block = ev.doc.blocks[index]
    end = block.outer[1] if block.outer else block.end
    return bool(CUES_HEDGED_BEFORE.search(block.before) or CUES_HEDGED_AFTER.match(ev.doc.text[end:end + 40]))


def _parameters(ev: Evidence) -> set[str]:
    """What a function the text writes depends on: the σ of ``\\ell(\\sigma) = …``, the θ of ``J(\\theta)``."""
    return {head_name(a) for chain in ev.read.chains if chain.exprs and isinstance(chain.exprs[0].node, n.Call)
            for a in chain.exprs[0].node.args if head_name(a) is not None}


def explicit_definitions(ev: Evidence) -> None:
    """Equations whose left side names a symbol: standalone displays and inline math, in
    reading order (the first definition of a symbol is the one that counts)."""
    found: list[tuple[int, Definition]] = []
    for chain in ev.read.chains:
        if chain.skipped or len(chain.exprs) < 2:
            continue
        first, second = chain.exprs[0], chain.exprs[1]
        if point_cue(ev.doc.blocks[chain.blocks[0]].before) and head_name(first.node) in _parameters(ev):
            continue        # "setting the derivative to zero gives σ² = …" for the σ of ℓ(σ): where ℓ is
                            # largest, not what σ means (as a definition it would prove every line above it)
        if _hedged(ev, chain.blocks[0]):
            continue        # "rewrite R in the form $$R = A X$$ for some choice of A": a form, not what R is
        root = _square_root_form(first.node, second.node)
        if root is not None:        # σ^2 = (1/m) Σ (x_i - μ)^2: the variance defines σ, its root
            found.append((first.line, Definition(root[0].name, *root, first.line, "display", first.scope,
                                                  f"{to_latex(root[0])} = {to_latex(root[1])}")))
            continue
        named = dependency_head(first.node)
        if named is not None:       # E(w_1, …, w_K) = …: E, with what it depends on listed
            first = replace(first, node=named, text=to_latex(named))
        general = generalized(first.node, second.node, ev.names)
        if general is not None:     # Cost(h_θ(x^{(i)}), y^{(i)}) = …: Cost(u, y)
            found.append((first.line, _general_definition(general, first.line, "display", first.scope)))
            continue
        if _conditional(first.node) and not is_pattern(first.node) and len(chain.exprs) > 2 \
                and is_pattern(second.node):
            # p(w_j | w_I) = y_j = \frac{…}{…}: the probability is given a name, which the last side says
            found.append((second.line, Definition(head_name(second.node), second.node, chain.exprs[2].node,
                                                   second.line, "display", first.scope,
                                                   f"{second.text} = {chain.exprs[2].text}")))
            continue
        if is_pattern(first.node):
            if len(chain.exprs) > 2 and is_pattern(second.node) and head_name(second.node) != head_name(first.node):
                # μ_{nc} = p(y_n = c | x_n) = \frac{…}{…}: both name what the last side says
                third = chain.exprs[2]
                found.append((second.line, Definition(head_name(second.node), second.node, third.node,
                                                       second.line, "display", first.scope,
                                                       f"{second.text} = {third.text}")))
                second = third
            elif len(chain.exprs) > 2 and _data_likelihood(second.node):
                second = chain.exprs[2]     # E = -ln p(T | w) = -Σ_n Σ_k t_nk ln y_nk: the sums say it
            found.append((first.line, Definition(head_name(first.node), first.node, second.node, first.line,
                                                  "display", first.scope, f"{first.text} = {second.text}")))
    for item, parts in ev.read.inline:
        if len(parts) < 2 or parts[1][0] != "=" or parts[0][1] is None or parts[1][1] is None:
            continue
        if CUES_HEDGED_BEFORE.search(item.before) or CUES_HEDGED_AFTER.match(item.after):
            continue        # "rewrite R in the form $R = A X$ for some choice of A": a form, not what R is
        lhs, rhs = parts[0][1], parts[1][1]
        named = dependency_head(lhs.node)
        if named is not None:       # J(\theta_0, \theta_1) = …: J, with what it depends on listed
            lhs = replace(lhs, node=named, text=to_latex(named))
        entry = _entry_form(lhs.node, rhs.node)
        root = _square_root_form(lhs.node, rhs.node)
        if root is not None:
            found.append((item.line, Definition(root[0].name, *root, item.line, "inline", lhs.scope,
                                                f"{to_latex(root[0])} = {to_latex(root[1])}")))
        elif entry is not None:       # \mathbf{Y} = (y_{nk}): the matrix of those entries
            pattern, body = entry
            found.append((item.line, Definition(head_name(pattern), pattern, body, item.line, "inline",
                                                lhs.scope, f"{to_latex(pattern)} = {to_latex(body)}")))
        elif (general := generalized(lhs.node, rhs.node, ev.names)) is not None:
            found.append((item.line, _general_definition(general, item.line, "inline", lhs.scope)))
        elif is_pattern(lhs.node):
            d = Definition(head_name(lhs.node), lhs.node, rhs.node, item.line, "inline", lhs.scope,
                           f"{lhs.text} = {rhs.text}")
            found.append((item.line, _diagonal(d) if CUES_DIAGONAL.search(item.before + item.after) else d))
    found += _named_in_words(ev)
    # a letter given a new meaning through its old one ("let σ = \\sqrt{σ^2 + ε}"); a function's property
    # (LSE(θ) = c + LSE(θ - c1)) is no new meaning
    redefined = {d.name: d for _, d in found if isinstance(d.lhs, n.Sym) and refers_to_itself(d)
                 and entries(d.rhs) is None and not shorthand(d)}
    for _, d in sorted(found, key=lambda f: f[0]):
        if d.name in redefined:
            continue
        if shorthand(d):        # σ = σ(w^T x): the bare letter is the function's value there
            ev.definitions.setdefault(f"{d.name}@bare", d)
            continue
        if not _definable(ev, d):
            continue
        if d.name not in ev.definitions:
            ev.definitions[d.name] = d
        elif d.how == "inline" and arity(d.lhs) == arity(ev.definitions[d.name].lhs):
            ev.later[d.name].append(d)     # tried if the first is set aside
        elif d.how == "display" and arity(d.lhs) == 0 and arity(ev.definitions[d.name].lhs) > 1:
            continue    # H_{kl} = …, then H = X^T X: the matrix, said again from its entries, is a claim to check
                        # (L beside a per-sample L_i is another quantity, the total)
        elif arity(d.lhs) != arity(ev.definitions[d.name].lhs):
            # p_j and, later, p_{i,j}: a second pattern of the same symbol
            ev.definitions.setdefault(f"{d.name}@{arity(d.lhs)}", d)
    for name, d in redefined.items():
        ev.ambiguous.add(name)
        # "let σ = \sqrt{σ^2 + ε}": from there on the letter means something else; which meaning a
        # step uses cannot be told, so neither is used
        ev.note("ignored", f"${name}$ is given a new meaning in terms of itself on line {d.line} (${d.text}$): "
                           "no definition of it is used, and no step that uses it is refuted", d.line)


def _general_definition(sides: tuple[n.Node, n.Node], line: int, how: str, scope: int) -> Definition:
    lhs, rhs = sides
    return Definition(head_name(lhs), lhs, rhs, line, how, scope, f"{to_latex(lhs)} = {to_latex(rhs)}")


def _named_in_words(ev: Evidence) -> list[tuple[int, Definition]]:
    """"The author writes $\\sum_K$ for $\\sum_{j=1}^K e^{\\theta_j}$", "$S$ denotes $…$": a name and what it
    stands for, given in words rather than with an equals sign."""
    out = []
    for item, parts in ev.read.inline:
        m = NAMED_IN_WORDS.match(item.after) or (NAMED_FOR.match(item.after) if WRITES.search(item.before) else None)
        if len(parts) != 1 or parts[0][1] is None or m is None or not is_pattern(parts[0][1].node):
            continue
        text, node = read_math(m.group(1), ev.doc.macros)
        if node is None:
            continue
        lhs = parts[0][1]
        out.append((item.line, Definition(head_name(lhs.node), lhs.node, node, item.line, "inline", lhs.scope,
                                          f"{lhs.text} = {text}")))
    return out


def shorthand(d: Definition) -> bool:
    """``\\sigma = \\sigma(w^\\top x)``, ``h = h_\\theta(x)``: a bare name for a function's value at one point."""
    rhs = n.ungroup(d.rhs)
    return isinstance(d.lhs, n.Sym) and isinstance(rhs, n.Call) and head_name(rhs.head) == d.name and \
        not any(isinstance(x, n.Sym) and x.name == d.name for a in rhs.args for x in n.walk(a))


def keep_parameters_reachable(ev: Evidence, targets) -> None:
    """A definition from the prose that would cut the loss off from the parameter it is
    differentiated by, written with another parameter instead (``z_h = Σ W_t^{(h)} x_i`` where the
    derivation differentiates by w), is not the one the derivation uses: it is set aside, and
    said so."""
    params = {head_name(node.wrt) for _, node in targets}
    for _, node in targets:
        loss, param = head_name(node.body), head_name(node.wrt)
        changed = True
        while changed and not reaches(ev, loss, param, frozenset()):
            changed = False
            for name in sorted(_closure(ev, loss)):
                d = ev.definitions.get(name)
                if d is None or d.how != "inline" or has_parameters(d.lhs) or reaches(ev, name, param, frozenset()) \
                        or is_conventional(name, "label", "input", "constant"):
                    continue        # data and labels do not depend on the parameters anyway
                foreign = conventional(written_symbols(d.rhs), "weights") - params
                if not foreign:
                    continue        # written with the derivation's own parameters: it is theirs
                ev.note("ignored", f"${d.text}$ (line {d.line}) is not used as the definition of ${name}$: "
                          f"it does not involve ${param}$, which the derivation differentiates by", d.line)
                del ev.definitions[name]
                if ev.later[name]:
                    ev.definitions[name] = ev.later[name].pop(0)
                changed = True


#: A name's subscript (``\\theta_{j}`` is an entry of ``\\theta``).
_SUBSCRIPT = re.compile(r"_(?:\{.*\}|.)$")


def hidden_dependence(ev: Evidence, targets, families: dict[str, dict]) -> None:
    """``E = \\frac{1}{2} \\sum_i (y^{(i)} - t^{(i)})^2`` differentiated by w, with nothing of it written in w:
    the text means a dependence it does not write (y is the network's output, says the prose). Read as data,
    every derivative by w would be 0 and prove any step (a lost factor 2 among them); the symbols of the loss
    that no convention makes data are read as unknown quantities instead, which may depend on w."""
    params: dict[str, set[str]] = {}
    for _, node in targets:
        params.setdefault(head_name(node.body), set()).add(head_name(node.wrt))
    for loss, wrts in params.items():
        forms = {f for p in wrts for base in (p, _SUBSCRIPT.sub("", p)) for f in (base, base.lower(), base.upper())}
        if loss not in ev.definitions or any(reaches(ev, loss, f) for f in forms):
            continue        # it involves one of them: the text writes how it depends on its parameters
        param = sorted(wrts)[0]
        hidden = sorted(name for name in _closure(ev, loss)
                        if name in families and families[name]["role"] == "variable")
        for name in hidden:
            families[name]["role"] = "unknown"
        if hidden:
            ev.note("stated", f"${loss}$ as written does not involve ${param}$, which the text differentiates it by: "
                              f"${'$, $'.join(hidden)}$ may depend on ${param}$ in a way the text does not write, and "
                              "each is read as an unknown quantity")


def reaches(ev: Evidence, name: str, param: str, seen: frozenset = frozenset()) -> bool:
    """Whether ``name`` is ``param`` or the text's definitions of it use ``param``, directly or through others."""
    if name == param:
        return True
    d = ev.definitions.get(name)
    if d is None or name in seen:
        return False
    return any(reaches(ev, s, param, seen | {name}) for s in written_symbols(d.rhs))


def _closure(ev: Evidence, name: str) -> set[str]:
    out, todo = set(), [name]
    while todo:
        x = todo.pop()
        if x in out:
            continue
        out.add(x)
        d = ev.definitions.get(x)
        if d is not None:
            todo.extend(written_symbols(d.rhs))
    return out


def fold_definitions(ev: Evidence) -> None:
    """``p_i = \\sigma(w^\\top x_i + b)`` beside ``z_i = w^\\top x_i + b``: p_i is σ(z_i). A definition
    written out again inside another is read as the defined symbol, so that a derivative by the
    intermediate quantity (∂ℓ/∂z_i) means what its author means."""
    parts = [d for d in ev.definitions.values() if d.how != "convention" and not has_parameters(d.lhs)
             and isinstance(d.rhs, (n.Add, n.Mul, n.Div)) and len(list(n.walk(d.rhs))) >= 4]
    for key, d in list(ev.definitions.items()):
        rhs = d.rhs
        for part in parts:
            if part is d or part.name == d.name or d.name in _closure(ev, part.name):
                continue
            rhs = fold(rhs, part)
        if rhs is not d.rhs:
            text = f"{d.text.partition(' = ')[0]} = {to_latex(rhs)}"
            ev.definitions[key] = replace(d, rhs=rhs, text=text)
            ev.note("stated", f"${d.name}$ is read through ${part_names(d.rhs, rhs)}$: ${text}$", d.line)


def announce_definitions(ev: Evidence) -> None:
    """Keep the definitions the derivation needs (its symbols, and what their definitions use)."""
    needed: set[str] = set()
    for name in ev.names | _own_delta(ev):
        needed |= _closure(ev, name) | _closure(ev, name.rstrip("'"))     # h'(u) needs h's definition
    ev.definitions = {k: d for k, d in ev.definitions.items() if d.name in needed}
    for d in sorted(ev.definitions.values(), key=lambda d: d.line):
        if d.how in ("inline", "entries", "first step"):
            _scan_definition(ev, d)
        how = {"display": "", "inline": "", "entries": " entry by entry",
               "first step": " by the first step of its derivative"}.get(d.how)
        if how is not None:
            ev.note("stated", f"${d.name}$ is defined{how} on line {d.line}: ${d.text}$", d.line)


def _own_delta(ev: Evidence) -> set[str]:
    """``\\delta`` when the text defines a one-index δ of its own (``\\delta_i = \\partial L / \\partial y_i``)
    and writes it: a reserved name (Kronecker's), so not among the names, but needed all the same."""
    d = ev.definitions.get("\\delta")
    written = any(isinstance(x, n.Scripted) and isinstance(x.base, n.Sym) and x.base.name == "\\delta"
                  for e in ev.read.chain_exprs() for x in n.walk(e.node))
    return {"\\delta"} if d is not None and arity(d.lhs) == 1 and written else set()


def entry_definitions(ev: Evidence) -> None:
    """``(P(y=1|x), …, P(y=K|x)) = (…)``: the pattern of the entries defines the symbol."""
    for chain in ev.read.chains:
        if len(chain.exprs) != 2 or chain.skipped:
            continue
        lhs, rhs = (entries(e.node) for e in chain.exprs)
        if not lhs or not rhs or len(lhs) != len(rhs):
            continue
        found = entry_pattern(lhs, rhs, _fresh_letter_for(ev, chain.exprs))
        if found is None:
            continue
        pattern, body = found
        name = head_name(pattern)
        d = Definition(name, pattern, body, chain.exprs[0].line, "entries", chain.exprs[0].scope,
                       f"{to_latex(pattern)} = {to_latex(body)}")
        if is_pattern(pattern):
            _define(ev, d)


def first_step_definitions(ev: Evidence) -> None:
    """``∂F/∂X = -∂/∂X (E)`` with F defined nowhere: the first step says what F is."""
    for chain in ev.read.chains:
        if len(chain.exprs) < 2 or chain.skipped:
            continue
        first = chain.exprs[0].node
        if not isinstance(first, n.Deriv) or not is_pattern(first.body):
            continue
        name = head_name(first.body)
        if name in ev.definitions or name in RESERVED:
            continue
        body = strip_derivative(chain.exprs[1].node, first.wrt)
        if body is None:
            continue
        listed = entries(body)
        if listed:
            if not isinstance(first.body, n.Sym):
                continue
            found = entry_pattern(None, listed, _fresh_letter_for(ev, chain.exprs))
            if found is None:
                continue
            position, body = found
            pattern = n.Scripted(first.body, sub=(n.Sym(position),))
        else:
            pattern = first.body
        d = Definition(name, pattern, body, chain.exprs[0].line, "first step", chain.exprs[0].scope,
                       f"{to_latex(pattern)} = {to_latex(body)}")
        _define(ev, d)


def _scan_definition(ev: Evidence, d: Definition) -> None:
    ev.scanner.scan(d.lhs, d.scope)
    ev.scanner.scan(d.rhs, d.scope)


def _fresh_letter_for(ev: Evidence, exprs: list[Expr]) -> str:
    used = {x.name for e in exprs for x in n.walk(e.node) if isinstance(x, n.Sym)}
    used |= {x.index for e in exprs for x in n.walk(e.node) if isinstance(x, n.Sum)}
    return free_letter("kcjlhqmnrstuv", used, upper=False)


def other_forms(ev: Evidence, name: str) -> bool:
    """Whether ``name`` is also written with an arity none of its definitions has."""
    uses = ev.scanner.uses.get(name)
    defs = [d for d in ev.definitions.values() if d.name == name]
    defined = {arity(d.lhs) for d in defs}
    written = set(uses.sub_arity) if uses else set()
    if not written - defined:
        return False
    # z = Wx + b is a vector whose entries are z_k; E = Σ_j E_j is made of other quantities E_j
    return 0 not in defined or any(arity(d.lhs) == 0 and mentions(d.rhs, name) for d in defs)


def _square_root_form(lhs: n.Node, rhs: n.Node) -> tuple[n.Sym, n.Node] | None:
    """``\\sigma^2 = E`` (a variance, a squared norm): the definition of σ as the root of E, so that σ^2
    elsewhere is E exactly and σ its positive root."""
    if isinstance(lhs, n.Scripted) and isinstance(lhs.base, n.Sym) and lhs.sub is None and lhs.sup == n.Num("2") \
            and lhs.base.name not in RESERVED:
        return lhs.base, n.Sqrt(rhs)
    return None


def _entry_form(lhs: n.Node, rhs: n.Node) -> tuple[n.Node, n.Node] | None:
    """``\\mathbf{Y} = (y_{nk})``: a bare symbol equal to one indexed entry names the matrix of them."""
    inner = rhs.arg if isinstance(rhs, n.Group) else None
    if not isinstance(lhs, n.Sym) or not isinstance(inner, n.Scripted) or not isinstance(inner.base, n.Sym) \
            or inner.base.name == lhs.name or inner.sup is not None:
        return None
    items = index_items(inner.sub) if inner.sub else []
    if not items or not all(isinstance(i, n.Sym) and INDEX_LETTER.match(i.name) for i in items):
        return None
    return n.Scripted(lhs, sub=tuple(items)), inner


def _diagonal(d: Definition) -> Definition:
    """``R_{nn} = y_n(1 - y_n)`` of "the diagonal matrix R": ``R_{nn'} = \\delta_{nn'} (y_n(1 - y_n))``.
    (Read as written, it defines the diagonal only, and the evaluator refuses the other entries.)"""
    items = index_items(d.lhs.sub) if isinstance(d.lhs, n.Scripted) and d.lhs.sub else []
    if not (len(items) == 2 and isinstance(items[0], n.Sym) and items[0] == items[1]):
        return d
    letter = items[0].name
    lhs, rhs = f"{to_latex(d.lhs.base)}_{{{letter} {letter}'}}", f"\\delta_{{{letter} {letter}'}} \\left({to_latex(d.rhs)}\\right)"
    return replace(d, lhs=parse_expression(lhs), rhs=parse_expression(rhs), text=f"{lhs} = {rhs}")


def _conditional(node: n.Node) -> bool:
    """``p(w_j | w_I)``: a conditional probability written with its bar (no pattern a definition can use)."""
    return isinstance(node, n.Call) and len(node.args) == 1 and isinstance(node.args[0], n.Given)


def _outcome_ignored(d: Definition) -> bool:
    """``P(t | z) = y`` for a Bernoulli t: a right side that does not depend on the outcome gives the
    probability of one outcome (``P(t = 1 | z)``), in shorthand; as a definition of P(t | z) for every t it
    would make ``-\\log P(t | z)`` equal ``-\\log y`` whatever t is."""
    if not _conditional(d.lhs):
        return False
    event = n.ungroup(d.lhs.args[0].event)
    return isinstance(event, n.Sym) and not mentions(d.rhs, event.name)


def _data_likelihood(node: n.Node) -> bool:
    """``p(\\mathbf{T} \\mid \\mathbf{w}_1, \\dots, \\mathbf{w}_K)``: the likelihood of a whole data set (a
    capital event, or a list of parameters), which no per-example definition says how to compute."""
    for x in n.walk(node):
        if isinstance(x, n.Given):
            event = head_name(x.event) if is_pattern(x.event) else None
            if event is not None and event[:1].isupper() or any(isinstance(y, n.Dots) for y in n.walk(x.condition)):
                return True
    return False


def named_subexpressions(ev: Evidence) -> None:
    """``\\frac{e^{s_i}}{\\sum_k e^{s_k}} = \\frac{e^{s_i}}{Z}`` with Z written nowhere before: the step names
    the part it replaces (Z is the sum). Only a part with no free index, replaced wherever Z stands."""
    seen: set[str] = set()
    for chain in ev.read.chains:
        for before, after in zip(chain.exprs, chain.exprs[1:]):
            named = None if chain.skipped else _named_part(before.node, after.node)
            if named is not None and named[0].name not in seen | set(ev.definitions) | RESERVED:
                symbol, part = named
                _define(ev, Definition(symbol.name, symbol, part, after.line, "named", after.scope,
                                       f"{symbol.name} = {to_latex(part)}"))
            seen |= {x.name for x in n.walk(before.node) if isinstance(x, n.Sym)}
        for e in chain.exprs:
            seen |= {x.name for x in n.walk(e.node) if isinstance(x, n.Sym)}


def _named_part(a: n.Node, b: n.Node) -> tuple[n.Sym, n.Node] | None:
    """(Z, the part of ``a`` that ``b`` writes as Z) where ``a`` and ``b`` differ only there."""
    places: list[tuple[n.Node, n.Node]] = []
    if not _differ_at(a, b, places) or not places:
        return None
    symbols = {y for _, y in places}
    parts = {x for x, _ in places}
    if len(symbols) != 1 or len(parts) != 1:
        return None
    symbol, part = symbols.pop(), parts.pop()
    if not isinstance(symbol, n.Sym) or len(symbol.name) != 1 or not symbol.name.isupper() \
            or isinstance(part, (n.Sym, n.Num)) or _free_subscripts(part, frozenset()):
        return None
    return symbol, part


def _differ_at(a: n.Node, b: n.Node, places: list) -> bool:
    """Whether ``a`` and ``b`` have the same form except at places where ``b`` has a symbol (collected)."""
    if a == b:
        return True
    if isinstance(b, n.Sym):
        places.append((n.ungroup(a), b))
        return True
    kids_a, kids_b = n.children(a), n.children(b)
    if type(a) is not type(b) or shallow(a) != shallow(b) or len(kids_a) != len(kids_b):
        return False
    return all(_differ_at(x, y, places) for x, y in zip(kids_a, kids_b))


def _free_subscripts(node: n.Node, bound: frozenset) -> bool:
    """Whether a letter in a subscript of ``node`` is bound by no sum inside it."""
    if isinstance(node, n.Sum):
        return _free_subscripts(node.body, bound | {node.index})
    if isinstance(node, n.Scripted) and node.sub:
        if any(isinstance(x, n.Sym) and x.name not in bound for item in node.sub for x in n.walk(item)):
            return True
    return any(_free_subscripts(c, bound) for c in n.children(node))
