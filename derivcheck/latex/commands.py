"""The LaTeX commands derivcheck knows, in tables; the post-lexer that applies them is lexer.py.

The grammar (latex.lark) lexes every ``\\name`` as COMMAND; KINDS says what kind of token each one
is. Layout commands (spacing, sizes, ``\\left``, ``\\big``, ``\\boxed``, colours) are dropped before
the grammar sees them. A command missing from the tables becomes UNKNOWN, which the evaluator reports
as unsupported notation by name instead of guessing. docs/notation.md lists every form with an example.
"""

from __future__ import annotations

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell"
).split()

#: command name (without backslash) -> token type
KINDS: dict[str, str] = {name: "GREEK" for name in GREEK}
KINDS.update({
    "frac": "FRAC", "dfrac": "FRAC", "tfrac": "FRAC", "cfrac": "FRAC",
    "sqrt": "SQRT",
    "sum": "BIGOP", "prod": "BIGOP",
    "nabla": "NABLA", "bigtriangledown": "NABLA",
    "partial": "PARTIAL",
    "log": "FUNC", "ln": "FUNC", "exp": "FUNC", "sin": "FUNC", "cos": "FUNC", "tanh": "FUNC",
    "sinh": "FUNC", "cosh": "FUNC",
    "max": "FUNC", "min": "FUNC",
    "dots": "DOTS", "ldots": "DOTS", "cdots": "DOTS", "vdots": "DOTS", "ddots": "DOTS",
    "top": "TOP", "intercal": "TOP", "T": "TOP",
    "prime": "PRIME",
    "underbrace": "BRACE", "overbrace": "BRACE",
    "substack": "SUBSTACK",
    "over": "OVER",
    "mathbf": "STYLE", "boldsymbol": "STYLE", "bm": "STYLE", "mathit": "STYLE", "vec": "STYLE",
    "mathcal": "STYLE", "mathbb": "STYLE", "mathscr": "STYLE", "mathfrak": "STYLE",
    "hat": "STYLE", "widehat": "STYLE", "bar": "STYLE", "overline": "STYLE", "tilde": "STYLE",
    "widetilde": "STYLE", "mathsf": "STYLE", "overrightarrow": "STYLE", "mathord": "STYLE",
    "pmb": "STYLE", "mathbfit": "STYLE",
    # font switches: {\bf x} and \bf{x} read like \mathbf{x}, {\cal L} like \mathcal{L}
    "bf": "STYLE", "it": "STYLE", "sf": "STYLE", "tt": "STYLE", "cal": "STYLE",
    "cdot": "MULOP", "cdotp": "MULOP", "times": "MULOP", "ast": "MULOP", "odot": "MULOP", "oslash": "MULOP",
    "circ": "MULOP",
    "pm": "PM", "mp": "PM",
    "neq": "REL", "ne": "REL", "leq": "REL", "le": "REL", "geq": "REL", "ge": "REL", "lt": "REL", "gt": "REL",
    "approx": "REL", "equiv": "REL", "in": "REL", "notin": "REL", "leqslant": "REL",
    "geqslant": "REL", "propto": "REL",
    "{": "_LSET", "}": "_RSET", "lbrace": "_LSET", "rbrace": "_RSET", "mid": "BAR", "vert": "BAR", "star": "STAR",
    "lvert": "ABS_L", "rvert": "ABS_R",
    "lgroup": "_LPAR", "rgroup": "_RPAR",
    "langle": "_LANGLE", "rangle": "_RANGLE",
    "|": "NORM", "Vert": "NORM", "lVert": "NORM_L", "rVert": "NORM_R",
})

#: Commands that only shape the layout; dropped before parsing. A wrapper (``\\boxed{…}``,
#: ``\\cancel{…}``) leaves its braced argument, which reads as a bracket: a struck-out term is a
#: visual mark of what cancels, so it stays in the expression.
LAYOUT = frozenset(
    "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm biggm Biggm middle "
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits "
    "tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge "
    "quad qquad enspace thinspace medspace thickspace negthinspace negmedspace negthickspace "
    "boxed cancel bcancel xcancel nonumber notag mathstrut strut rm "
    ", ; : ! > space".split() + [" "]
)

#: Layout commands that take braced arguments which are layout too (a colour, a length, a label):
#: name -> how many arguments are dropped with the command. ``\\textcolor{red}{x}`` keeps ``{x}``;
#: ``\\color{red}`` is a switch, and what follows it stays.
LAYOUT_ARGUMENTS = {"color": 1, "textcolor": 1, "colorbox": 1, "fcolorbox": 2, "hspace": 1, "vspace": 1,
                    "label": 1, "tag": 1}

#: Tokens after which a multi-digit number gives only its first digit to the command, as in TeX:
#: ``x_12`` is ``x_1 2``, ``\\frac12`` is ``\\frac{1}{2}``; the value is how many arguments.
ONE_CHARACTER_ARGUMENTS = {"_SUB": 1, "_SUP": 1, "FRAC": 2, "SQRT": 1}

#: The single-character relation tokens keep their text; named relations get a canonical spelling.
REL_SPELLING = {"ne": "\\neq", "le": "\\leq", "ge": "\\geq", "leqslant": "\\leq", "geqslant": "\\geq",
                "<=": "\\leq", ">=": "\\geq", "lt": "<", "gt": ">"}

#: Words a ``\\text{…}`` (or ``\\mathrm{…}``) may hold that are prose, never a name: ``\\text{if } i = j``
#: in a case, ``\\text{otherwise}``. Any other single word is a multi-letter name (``\\text{CE}``).
PROSE_WORDS = frozenset(
    "if otherwise else elsewhere for all and or where with since when whenever then let so thus hence by "
    "the a an is are of to on at as be we get have has gives yields using via from not also because note "
    "such that this these over each every any iff st subject".split()
)


def command_kind(name: str) -> str:
    """The token type for ``\\name``; UNKNOWN when the tables do not list it."""
    if name in LAYOUT:
        return "LAYOUT"
    if name in LAYOUT_ARGUMENTS:
        return "LAYOUT_ARGUMENTS"
    return KINDS.get(name, "UNKNOWN")
