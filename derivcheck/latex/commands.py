"""The LaTeX commands derivcheck knows, in one table, and the post-lexer that applies it.

The grammar (latex.lark) lexes every ``\\name`` as COMMAND; this table says what kind of token each
one is. Layout commands (spacing, ``\\left``, ``\\big``) are dropped here so the grammar never sees
them. A command missing from the table becomes UNKNOWN, which the evaluator reports as unsupported
notation by name instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token

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
    "nabla": "NABLA",
    "partial": "PARTIAL",
    "log": "FUNC", "ln": "FUNC", "exp": "FUNC", "sin": "FUNC", "cos": "FUNC", "tanh": "FUNC",
    "sinh": "FUNC", "cosh": "FUNC",
    "max": "FUNC", "min": "FUNC",
    "dots": "DOTS", "ldots": "DOTS", "cdots": "DOTS", "vdots": "DOTS", "ddots": "DOTS",
    "top": "TOP", "intercal": "TOP", "T": "TOP",
    "underbrace": "BRACE", "overbrace": "BRACE",
    "substack": "SUBSTACK",
    "mathbf": "STYLE", "boldsymbol": "STYLE", "bm": "STYLE", "mathit": "STYLE", "vec": "STYLE",
    "mathcal": "STYLE", "mathbb": "STYLE", "mathscr": "STYLE", "mathfrak": "STYLE",
    "hat": "STYLE", "widehat": "STYLE", "bar": "STYLE", "overline": "STYLE", "tilde": "STYLE",
    "widetilde": "STYLE", "mathsf": "STYLE",
    "cdot": "MULOP", "times": "MULOP", "ast": "MULOP", "odot": "MULOP", "oslash": "MULOP", "circ": "MULOP",
    "pm": "PM", "mp": "PM",
    "neq": "REL", "ne": "REL", "leq": "REL", "le": "REL", "geq": "REL", "ge": "REL",
    "approx": "REL", "equiv": "REL", "in": "REL", "notin": "REL", "leqslant": "REL",
    "geqslant": "REL", "propto": "REL",
    "{": "_LSET", "}": "_RSET", "mid": "BAR", "vert": "BAR", "star": "STAR",
    "|": "NORM", "Vert": "NORM", "lVert": "NORM_L", "rVert": "NORM_R",
})

#: Commands that only shape the layout; dropped before parsing.
LAYOUT = frozenset(
    "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle "
    "displaystyle textstyle limits nolimits quad qquad , ; : ! space".split() + [" "]
)

#: The single-character relation tokens keep their text; named relations get a canonical spelling.
REL_SPELLING = {"ne": "\\neq", "le": "\\leq", "ge": "\\geq", "leqslant": "\\leq", "geqslant": "\\geq",
                "<=": "\\leq", ">=": "\\geq"}


def command_kind(name: str) -> str:
    """The token type for ``\\name``; UNKNOWN when the table does not list it."""
    if name in LAYOUT:
        return "LAYOUT"
    return KINDS.get(name, "UNKNOWN")


class CommandPostLexer:
    """Retypes COMMAND tokens, drops layout, and cuts multi-character script arguments.

    In TeX ``x_12`` is ``x_1 2``: a script without braces takes one character. The lexer reads
    ``12`` as one NUMBER, so the token after ``_``/``^`` is split here.
    """

    always_accept = ("COMMAND", "DOTS_ASCII")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        after_script = False
        drop_delimiter = False
        in_norm = False     # ``\|`` opens a norm and the next one closes it
        for tok in stream:
            if drop_delimiter:
                drop_delimiter = False
                if tok.value == ".":
                    continue  # \left. and \right. are invisible delimiters
            if tok.type == "COMMAND":
                name = tok.value[1:]
                kind = command_kind(name)
                if kind == "LAYOUT":
                    drop_delimiter = name in ("left", "right", "middle")
                    continue
                value = REL_SPELLING.get(name, tok.value) if kind == "REL" else tok.value
                if kind == "NORM":
                    kind = "NORM_R" if in_norm else "NORM_L"
                if kind in ("NORM_L", "NORM_R"):
                    in_norm = kind == "NORM_L"
                tok = Token.new_borrow_pos(kind, value, tok)
            elif tok.type == "DOTS_ASCII":
                tok = Token.new_borrow_pos("DOTS", tok.value, tok)
            elif tok.type == "REL" and tok.value in REL_SPELLING:
                tok = Token.new_borrow_pos("REL", REL_SPELLING[tok.value], tok)
            if after_script and tok.type == "NUMBER" and len(tok.value) > 1:
                yield from _split_first_char(tok)
                after_script = False
                continue
            after_script = tok.type in ("_SUB", "_SUP")
            yield tok


def _split_first_char(tok: Token) -> Iterator[Token]:
    first = Token("NUMBER", tok.value[0], start_pos=tok.start_pos, line=tok.line, column=tok.column,
                  end_line=tok.line, end_column=tok.column + 1, end_pos=tok.start_pos + 1)
    rest = Token("NUMBER", tok.value[1:], start_pos=tok.start_pos + 1, line=tok.line,
                 column=tok.column + 1, end_line=tok.end_line, end_column=tok.end_column,
                 end_pos=tok.end_pos)
    yield first
    yield rest
