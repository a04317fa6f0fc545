"""The conventions of the field, and the words of prose that carry meaning: declarative, in one place.

What a name means when a document does not say (``x`` is the input, ``W`` the weights, ``K`` counts
classes), what a size is called when a document never names it, which words name the model, and
the cue words of sentences that state conditions ("if $i = j$:"), continuations ("the equation 6
becomes") and assumptions ("one-hot"). Used by the notation inference (infer.py).
"""

from __future__ import annotations

import re
import string

from ..latex import nodes as n
from ..latex.nodes import FACTORIAL, INDICATOR
from .header import DEFAULT_SIZES

#: What a name means when the document does not say (the conventions of the field).
CONVENTIONS = {
    "weights": frozenset({"W", "w", "\\Theta", "\\theta", "\\beta", "V", "U", "\\omega", "\\Omega"}),
    "bias": frozenset({"b"}),
    "input": frozenset({"x", "X"}),
    "label": frozenset({"y", "Y", "t"}),
    "logits": frozenset({"z", "s", "o"}),
    "prediction": frozenset({"p", "g", "S", "a", "\\sigma", "P", "q", "h", "\\hat{y}", "\\hat{p}", "\\pi",
                             "\\phi", "\\mu"}),
    "loss": frozenset({"L", "J", "\\ell", "l", "E", "\\mathcal{L}", "\\mathcal{J}", "\\mathcal{E}",
                       "\\operatorname{loss}", "\\mathcal{l}", "\\mathcal{C}"}),
    "constant": frozenset({"\\lambda", "\\eta", "\\alpha", "\\gamma", "\\epsilon", "\\varepsilon", "\\rho",
                           "\\tau", "\\kappa", "c", "C_0"}),
}
#: A layer label at the end of a name (``W^{(l)}``, latex/layers.py): the name's stem carries its role.
LAYER_LABEL = re.compile(r"\^\{\([^{}]*\)\}$")


def stem(name: str) -> str:
    """The name without its layer label: ``W^{(L-1)}`` is weights as ``W`` is."""
    return LAYER_LABEL.sub("", name)


def conventional(names, *roles: str) -> set[str]:
    """The names whose stem the conventions give one of ``roles``."""
    known = frozenset().union(*(CONVENTIONS[r] for r in roles))
    return {x for x in names if stem(x) in known}


def is_conventional(name: str, *roles: str) -> bool:
    """Whether the conventions give ``name``'s stem one of ``roles``."""
    return bool(conventional((name,), *roles))


#: The words that lead in a display defining one choice among several: "For cross-entropy:", "**With MSE:**".
CUES_ALTERNATIVE = re.compile(r"(?:^|\n)\s*(?:\*\*|__)?\s*(?:for|with|using|if we use|in the case of)\s+(?:the\s+|a\s+)?"
                              r"[A-Za-z][\w\s()-]{0,40}?:\s*(?:\*\*|__)?\s*$", re.I)

#: A text that speaks of a softmax: a function it applies to one entry (``f(z_j)``) may act on the whole vector.
CUES_SOFTMAX = re.compile(r"\bsoftmax\b", re.I)
#: A letter's kind in words: "$A$ is a matrix", "$x$ the unknown vector", "the design matrix $X$" (at most two
#: words between, none of them "of": "$g$ is the gradient of the weight vector" says nothing of g's kind).
KIND_AFTER = re.compile(r"\$\s*(?P<name>[A-Za-z])\s*\$\s*,?\s*(?:is\s+|denotes\s+)?(?:an?\s+|the\s+)?"
                        r"(?:(?!of\b)[a-z-]+\s+){0,2}?(?P<kind>matrix|vector)\b", re.I)
KIND_BEFORE = re.compile(r"\b(?:an?|the)\s+(?:(?!of\b)[a-z-]+\s+){0,2}?(?P<kind>matrix|vector)\s+"
                         r"\$\s*(?P<name>[A-Za-z])\s*\$", re.I)
#: A name given in words: "writes $\\sum_K$ for $\\sum_j e^{\\theta_j}$", "$S$ denotes $\\sum_j e^{z_j}$", "$s$ stands
#: for $\\sigma(z)$" (the words after the name, ending in the math it names; "for" only after "write" or "use").
NAMED_IN_WORDS = re.compile(r"^(?:denotes|to denote|stands for|is short(?:hand)? for)\s+\$([^$]+)\$", re.I)
NAMED_FOR = re.compile(r"^for\s+\$([^$]+)\$", re.I)
WRITES = re.compile(r"\b(?:writes?|writing|uses?|using)\s*$", re.I)
#: An equation in prose that is a form to be reached, not a definition: "in the form $R = A X$ for some A".
CUES_HEDGED_BEFORE = re.compile(r"\b(?:in the form|of the form|such as|e\.g\.|for example)\s*[:,]?\s*$", re.I)
CUES_HEDGED_AFTER = re.compile(r"\s*(?:for some|for a suitable|with some)\b", re.I)
#: Letters that name a function when applied and never defined (an activation ``f``, ``\\phi``): any function.
FUNCTION_LETTERS = frozenset({"f", "g", "r", "\\phi", "\\varphi", "\\psi", "\\sigma"})


#: The role of a size named by one of these letters, unless the document shows otherwise.
SIZE_ROLES = {"K": "classes", "C": "classes", "D": "features", "P": "features", "N": "samples",
              "M": "samples", "m": "samples", "n": "samples", "H": "hidden"}
#: Names for a size the document never names, by role, in order of preference.
FRESH_SIZES = {"classes": "KCQ", "features": "DPF", "samples": "NMS", "hidden": "HJG", None: "RQU"}
#: Letters for an axis the document never indexes, by role, in order of preference.
FRESH_LETTERS = {"classes": "kcjlhq", "features": "dijfpr", "samples": "nisrt", "hidden": "hjuv", None: "uvqr"}
#: Words that name the model, checked in this order.
MODEL_WORDS = (("network", r"hidden (layer|unit)|two-layer|multi-?layer"),
               ("softmax", r"softmax|multinomial|cross[- ]entropy.*class"),
               ("logistic", r"sigmoid|logistic|binary cross"),
               ("linear", r"least squares|squared error|\bmse\b|regression"))
SIZE_DEFAULTS = {**DEFAULT_SIZES, "hidden": 2}
#: Functions with one meaning wherever they are written by name, unless a notation defines them
#: (meaning/evaluate.py gives each its value).
SOFTMAX, SIGMOID, DIAG, TRACE = ("\\operatorname{softmax}", "\\operatorname{sigmoid}", "\\operatorname{diag}",
                                 "\\operatorname{tr}")
NAMED_FUNCTIONS = frozenset({SOFTMAX, SIGMOID, DIAG, TRACE, FACTORIAL})
RESERVED = frozenset({"e", "\\delta", INDICATOR, *NAMED_FUNCTIONS})
#: An expectation, a variance, a covariance (``\\mathbb{E}[T(y); \\eta]``, ``\\mathrm{Var}(X)``): integrals over a
#: distribution, never read as a symbol times a bracket. A plain E may be an energy or an error, so it is not here.
EXPECTATIONS = frozenset({"\\mathbb{E}", "\\operatorname{Var}", "\\operatorname{Cov}", "\\mathbb{V}",
                          "\\operatorname{var}", "\\operatorname{cov}"})
#: Letters that are something else when written alone (π the number, d the differential); with an
#: index (π_{ik}, d_j) they are symbols like any other.
CONSTANTS = frozenset({"e", "\\pi", "d"})
CUES_CONDITION = re.compile(r"(?:\bif\b|\bwhen\b|\bfor\b|\bcase\b|\bassum\w*|\bsuppose\b)[^$]{0,40}\$([^$]+)\$"
                             r"\s*(?:\([^()$\n]{0,60}\)\s*)?[:,.)\]]?\s*$", re.I)   # "When $i=j$ (by the quotient rule):"
#: "y is a one-hot vector with a 1 for the true outside word $o$": the index whose entry is the 1.
CUES_ONE_HOT_AT = re.compile(r"one[- ]hot[^.$]{0,60}?\b(?:a\s+)?(?:1|one)\s+(?:for|at|in)\b[^.$]{0,40}?\$\s*([a-z])\s*\$",
                             re.I)
#: A short line in any language that ends with a comparison and a colon: "Для случая $k \\neq l$:".
CUES_CONDITION_SHORT = re.compile(r"(?:^|\n)[ \t]*[^\n$]{0,30}\$([^$]+)\$[ \t*_]*:[ \t*_]*$")   # "2. **Если $j \\neq k$:**"
#: A list item that is a condition alone, right before its display ("1. $i \\neq j$", "- $i = j$:", "(b) $k=l$").
CUES_CONDITION_ITEM = re.compile(r"(?:^|\n)[ \t]*(?:\d+[.)]|[-*+]|\(?[a-z]\))[ \t]+\$([^$]+)\$[ \t]*[:,.]?[ \t]*$")
#: A condition that opens the paragraph before a display ("When $i=k$, using …, we get:").
CUES_CONDITION_OPENING = re.compile(r"(?:^|\n\s*\n)\s*(?:if|when|for|assuming|suppose)\s+\$([^$]+)\$\s*"
                                    r"(?:\([^()$\n]{0,60}\)\s*)?[,:]"
                                    r"[^\n]*(?:\n(?!\s*\n)[^\n]*)*\s*$", re.I)
#: The same in words, in a label or sentence before a display ("[terms j not equal to i]", "when k = l"):
#: a cue word, then two index letters compared.
CUES_CONDITION_WORDS = re.compile(r"\b(?:if|when|where|for|case|cases|terms?|assum\w*|suppose|with)\b[^.$\n]{0,30}?"
                                  r"\b([a-z])\s*(is\s+not\s+equal\s+to|not\s+equal\s+to|is\s+not|different\s+from|"
                                  r"!=|≠|\\neq?|is\s+equal\s+to|equal\s+to|equals|==|=)\s*([a-z])\b", re.I)
#: A heading that states a condition for the displays under it ("## Case 2: $i \\neq j$"), and the
#: prose that ends such a section early ("Putting both cases together:").
CUES_HEADING_CONDITION = re.compile(r"\b(?:case|if|when|for|assum\w*|suppose)\b"
                                    r"|^\W*\w{1,12}\s+\$[^$]+\$\s*:?\s*$", re.I)   # "Когда $k = l$:", in any language
CUES_CASES_END = re.compile(r"\b(?:both|the two|all|two|either|any) cases\b|\bcombin\w*|\btogether\b|"
                            r"\bin general\b|\bcompact\w*", re.I)
#: Prose that names the softmax's output before its symbol: "the softmax output $s$", "a softmax
#: that produces the vector $s$".
CUES_SOFTMAX_OUTPUT = re.compile(r"\bsoftmax(?:\s+(?:output|outputs|probabilities|that produces|which produces|"
                                 r"producing|gives|giving|yields))?(?:\s+(?:the|a))?(?:\s+(?:vector|output|"
                                 r"probabilities))?\s*$", re.I)
CUES_CONTINUES = re.compile(r"(?:equation|eq\.?|eqn\.?|formula|expression)\s*\(?(\d+[a-z]?)\)?\s+"
                             r"(?:becomes|turns into|is now|can be (?:re)?written|simplifies|reads|gives)", re.I)
CUES_ARBITRARY = re.compile(r"\b(?:for|holds for)\s+(?:any|all|every|each|arbitrary)\s+(?:real\s+|scalar\s+)?\$([^$]{1,20})\$", re.I)
ONE_HOT = re.compile(r"(?:one|1)[- ]hot|1-of-\$?\\?[kKcC]|indicator vector|\\sum_\{?[a-z]\}?\s*[a-z]_\{?[a-z]\}?\s*=\s*1\b", re.I)
#: A text that writes sums by Einstein's convention (a repeated index is summed), in its words.
EINSTEIN = re.compile(r"einstein|summation convention|repeated ind\w*\s+(?:are|is)\s+(?:implicitly\s+)?summed|"
                      r"implied sum|implicit sum", re.I)
#: An upright d before a bracket (``\\mathrm{d}(AB)``): the differential of an expression, by convention.
UPRIGHT_D = re.compile(r"\\(?:mathrm|operatorname|rm)\s*\{?\s*d\s*\}?\s*(?:\\left|\\big)?\s*\{?\s*\(")
#: Labels that are not one-hot, in the text's words: counts, soft labels, probabilities.
NOT_ONE_HOT = re.compile(r"soft[- ](?:labels?|targets?)|label smoothing|(?:labels?|targets?)\s+(?:are|is|as)\s+"
                         r"(?:counts|probabilit|(?:a\s+)?(?:probability\s+)?distribution)|counts of", re.I)
BINARY = re.compile(r"\\in\s*\\\{\s*0\s*,\s*1\s*\\\}|binary label|\{0,\s*1\}", re.I)
#: ``X \\in \\mathbb{R}^{N \\times D}``, ``\\mathbf{y}^{(n)} \\in \\{0,1\\}^K``: the whole left side is the symbol (in
#: ``z = W^T x \\in \\mathbb{R}^C`` it is z's shape, not x's).
MEMBER = re.compile(r"(?:^|(?<=[,;]))\s*(\\?[A-Za-z]+(?:\{[A-Za-z]+\})?)(?:\^\{\([a-z]\)\}|\^\([a-z]\))?\s*\\in\s*"
                    r"(?:\\mathbb\{R\}|\\\{\s*0\s*,\s*1\s*\\\})\^\{?((?<=\{)[^}$]*|[A-Za-z0-9])\}?")
#: ``x_i \\in \\mathbb{R}^d``, ``\\mathbf{w}_k \\in \\mathbb{R}^{D}``: each entry of a family, written with one index, is a
#: vector (one feature vector per sample, one weight vector per class).
MEMBER_EACH = re.compile(r"(?:^|(?<=[,;]))\s*(\\?[A-Za-z]+(?:\{[A-Za-z]+\})?)_\{?([a-z])\}?\s*\\in\s*"
                         r"\\mathbb\{R\}\^\{?((?<=\{)[^}$]*|[A-Za-z0-9])\}?")
#: Linear algebra's spaces: ``A \\in M_{mn}(\\mathbb{R})`` (m × n matrices), ``x \\in F^n(\\mathbb{R})``,
#: ``x \\in \\mathbb{F}^n`` (n-vectors); the name may be braced (``{A} \\in …``).
MATRIX_SPACE = re.compile(r"\{?(\\?[A-Za-z]+)\}?\s*\\in\s*(?:M|\\mathcal\{M\})_\{?\s*([a-zA-Z])\s*,?\s*([a-zA-Z])\s*\}?"
                          r"\s*\((?:\\mathbb\{[RF]\}|[RF])\)")
VECTOR_SPACE = re.compile(r"\{?(\\?[A-Za-z]+)\}?\s*\\in\s*(?:\\mathbb\{F\}|F)\^\{?([a-zA-Z])\}?")
#: A shape stated in words: "$W$ of size $C \\times D$", "$X$ has shape $N \\times D$".
SHAPE_IN_WORDS = re.compile(r"\$\s*(\\?[A-Za-z]+(?:\{[A-Za-z]+\})?)\s*\$\s*(?:is\s+|has\s+|with\s+|of\s+)*(?:the\s+)?"
                            r"(?:size|shape|dimensions?)\s+(?:of\s+)?\$([^$]+)\$", re.I)
#: "$\\sum_i p_i = 1$": the entries of p sum to one (a distribution, or a one-hot label).
SUMS_TO_ONE = re.compile(r"^\s*\\sum_\{?([a-z])(?:\s*=\s*1)?\}?(?:\^\{?\w+\}?)?\s*(\\?[A-Za-z]+)_\{?\1\}?\s*=\s*1\s*$")
#: "the true class index $c$", "the correct class $y$": a letter that is the example's label.
TRUE_CLASS = re.compile(r"\b(?:true|correct|target|ground[- ]truth)\s+class(?:\s+(?:index|label))?\s*"
                        r"(?:is\s+|,\s*)?\$\s*([A-Za-z])\s*\$|\$\s*([A-Za-z])\s*\$\s+is\s+the\s+(?:index\s+of\s+the\s+)?"
                        r"(?:true|correct|target)\s+class", re.I)
#: "the $N \times N$ diagonal matrix with $R_{nn} = …$": the entries off the diagonal are zero.
CUES_DIAGONAL = re.compile(r"\bdiagonal\b", re.I)
#: Prose before a display that makes it an equation about one point, not an identity ("the gradient
#: vanishes if and only if $q_t = \tilde y_t$ … for the true class against any other class,").
CUES_AT_A_POINT = re.compile(r"\b(?:stationary|optimum|optimal\s+(?:point|solution|value)|minimi[sz]er|"
                             r"at\s+(?:the|a)\s+(?:minimum|maximum)|vanish\w*|fixed\s+point|at\s+convergence|"
                             r"set(?:ting)?\s+(?:it|this|the\s+\w+)(?:\s+\$[^$]*\$)?\s+(?:to|equal\s+to)\s+"
                             r"(?:zero|\$\s*0\s*\$)|solv\w+\s+for|"
                             r"(?:take|set)\w*\s+(?:the\s+)?(?:derivative|gradient)s?\s+(?:to|equal\s+to)\s+(?:0|zero))\b",
                             re.I)

def point_cue(prose: str) -> str | None:
    """The words in the paragraph before a display that make it hold at one point, if any."""
    m = CUES_AT_A_POINT.search(re.split(r"\n\s*\n", prose.strip())[-1])
    return m.group(0) if m else None

#: "$T > 0$": a positive constant.
POSITIVE = re.compile(r"^\s*(\\?[A-Za-z]+)\s*>\s*0\s*$")
QUANTIFIER = re.compile(r"(?:\\forall\s*)?\b([a-z])\s*(?:=\s*1\s*,\s*(?:2\s*,\s*)?\\[lc]?dots\s*,|"
                         r"\\in\s*\\\{\s*1\s*,\s*\\[lc]?dots\s*,)\s*([A-Za-z])")


def free_letter(preferred: str, taken, upper: bool) -> str:
    """The first letter of ``preferred`` not in ``taken``, then of the whole alphabet (a document with
    many unnamed axes, or one that uses the usual letters itself, must not run out)."""
    alphabet = string.ascii_uppercase if upper else string.ascii_lowercase
    for c in preferred + alphabet:
        if c not in taken:
            return c
    raise ValueError("every letter of the alphabet is already a name in this document")


def fresh_names(sizes) -> dict:
    """Names for sizes a document never names: an assignment's own first (``{K: classes}``)."""
    out = dict(FRESH_SIZES)
    if isinstance(sizes, dict):
        for name, role in sizes.items():
            if isinstance(role, str) and role in out and re.fullmatch(r"[A-Za-z]", str(name)):
                out[role] = str(name) + out[role].replace(str(name), "")
    return out


def model_kind(text: str, nodes_of_steps: list) -> str | None:
    """What model the document is about: its words first, then its formulas."""
    lowered = text.lower()
    for kind, pattern in MODEL_WORDS:
        if re.search(pattern, lowered):
            return kind
    nodes = [x for node in nodes_of_steps for x in n.walk(node)]
    if any(isinstance(x, n.Div) and any(isinstance(s, n.Sum) and n.is_exponential(s.body) for s in n.walk(x.den))
           for x in nodes):
        return "softmax"
    if any(isinstance(x, n.Scripted) and isinstance(x.base, n.Group) and isinstance(x.base.arg, n.Add)
           and x.sup == n.Num("2") for x in nodes) and not any(isinstance(x, n.Apply) and x.func in ("log", "ln")
                                                                for x in nodes):
        return "linear"
    return None


def lower_case(name: str) -> str | None:
    """The lower-case letter a matrix's entries are written with: ``X`` → ``x``, ``\\Theta`` →
    ``\\theta``, ``\\hat{Y}`` → ``\\hat{y}``; None for a name that is not upper case."""
    if len(name) == 1:
        return name.lower() if name.isupper() else None
    m = re.fullmatch(r"\\([A-Z])([a-z]+)", name)
    if m:
        return f"\\{m.group(1).lower()}{m.group(2)}"
    m = re.fullmatch(r"\\(hat|tilde|bar)\{([A-Z])\}", name)
    if m:
        return f"\\{m.group(1)}{{{m.group(2).lower()}}}"
    return None
