"""LaTeX text -> nodes: the entry point. The grammar is latex.lark; what each of its rules builds is
transform.py's.

Text too long or nested too deep is refused before parsing (TooLarge); whatever Lark or the
transformer rejects becomes a LatexError with the position of the problem (errors.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from . import nodes as n
from .build import done
from .lexer import CommandPostLexer
from .layers import fold_layers
from .errors import LatexError, TooLarge
from .transform import ToNodes

#: Nesting deeper than this is refused before parsing: LALR itself is iterative, but the
#: transformer and every later tree walk recurse.
MAX_NESTING = 60
#: Longer expressions are refused before parsing (the longest seed expression is under 2,000).
MAX_LENGTH = 200_000


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (Path(__file__).with_name("latex.lark")).read_text()
    # the basic lexer: the post-lexer looks ahead, so tokens cannot depend on the parser's state
    return Lark(grammar, parser="lalr", lexer="basic", postlex=CommandPostLexer(), keep_all_tokens=True,
                maybe_placeholders=False, transformer=ToNodes())


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting in ``text``; refusing deep input keeps every tree walk bounded."""
    depth = best = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            best = max(best, depth)
        elif ch in ")}]":
            depth -= 1
    return best


#: Words that open a condition: a side that starts with one (``{\\rm if}~i``) is a condition the step
#: holds under, cut from its relation, not an expression.
CONDITION_WORDS = frozenset({"if", "when", "whenever", "for", "unless", "provided"})


def _not_a_condition(node: n.Node) -> n.Node:
    """Refuse a side that is a condition where an expression belongs (``{\\rm if}~i = j, a = b`` split at
    its relations): comparing the links after it would drop the condition silently."""
    if isinstance(node, n.Mul) and isinstance(node.factors[0], n.Text) \
            and node.factors[0].text.strip().lower() in CONDITION_WORDS:
        raise LatexError(f"a condition ('{node.factors[0].text.strip()} …') where an expression belongs: the "
                         "steps after it hold under it, which derivcheck cannot read here", node.span[0])
    return node


def _indicator(node: n.Node) -> n.Node:
    """``1_{i=j}``: a one with a condition under it is the indicator of the condition, as ``\\mathbb{1}_{i=j}`` is."""
    if isinstance(node, n.Scripted) and node.base == n.Num("1") and node.sup is None and node.sub \
            and len(node.sub) == 1 and isinstance(n.ungroup(node.sub[0]), n.Rel):
        return n.Scripted(n.Sym(n.INDICATOR, span=node.base.span), sub=node.sub, span=node.span)
    return node


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> n.Node:
    """Parse one side of a relation; raise LatexError with the position of the problem."""
    if not text.strip():
        raise LatexError("empty expression")
    if nesting_depth(text) > MAX_NESTING:
        raise TooLarge(f"brackets nested more than {MAX_NESTING} deep")
    if len(text) > MAX_LENGTH:
        raise TooLarge(f"an expression of {len(text):,} characters (at most {MAX_LENGTH:,} are read)")
    parser = _parser()
    try:
        return n.rebuild(fold_layers(_not_a_condition(done(parser.parse(text)))), _indicator)
    except VisitError as err:
        inner = err.orig_exc
        if isinstance(inner, LatexError):
            raise inner from None
        raise LatexError(f"cannot read this expression: {inner}") from None
    except UnexpectedCharacters as err:
        raise LatexError(f"unexpected character {text[err.pos_in_stream]!r}", err.pos_in_stream) from None
    except UnexpectedEOF:
        raise LatexError("the expression ends too early (an unclosed brace or bracket?)") from None
    except UnexpectedInput as err:
        tok = getattr(err, "token", None)
        where = getattr(tok, "start_pos", None)
        shown = getattr(tok, "value", "?")
        raise LatexError(f"unexpected {shown!r}", where) from None
    except LarkError as err:
        raise LatexError(f"cannot read this expression: {err}") from None
    except RecursionError:
        raise TooLarge("the expression is nested too deeply") from None
