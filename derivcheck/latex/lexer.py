"""The post-lexer: tokens as Lark lexes them -> tokens as the grammar reads them.

It applies the tables of commands.py (a command's kind, layout dropped with its arguments, one-
character arguments cut from numbers) and decides what a bar is: ``|x|`` opens and closes an
absolute value (a norm), ``P(y | x)`` is a condition, ``f(x)\\big|_{x=a}`` and
``\\left. f \\right|_{x=a}`` evaluate at a point. Those need to look ahead, so the tokens pass
through a small buffer; an error Lark raises while lexing ahead is raised where it stood.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token

from .commands import LAYOUT_ARGUMENTS, ONE_CHARACTER_ARGUMENTS, REL_SPELLING, command_kind

#: Tokens after which a bar closes something rather than opens it.
OPERAND_END = frozenset("LETTER NUMBER GREEK TEXT UNKNOWN TOP DOTS PRIME STAR _RPAR _RBRK _RBR _RSET "
                        "NORM_R ABS_R".split())
OPENING = frozenset(("_LPAR", "_LBRK", "_LSET"))
CLOSING = frozenset(("_RPAR", "_RBRK", "_RSET"))
#: Tokens the post-lexer decides about; any other passes through as lexed.
SPECIAL = frozenset(("INVISIBLE", "COMMAND", "DOTS_ASCII", "REL", "BAR"))


class _Buffered:
    """Tokens with look-ahead; a lexing error met while looking ahead waits its turn."""

    def __init__(self, stream: Iterator[Token]):
        self._stream = stream
        self._buffer: list[Token] = []
        self._error: Exception | None = None
        self._ended = False

    def _fill(self, count: int) -> None:
        while len(self._buffer) < count and not self._ended and self._error is None:
            try:
                self._buffer.append(next(self._stream))
            except StopIteration:
                self._ended = True
            except Exception as err:  # noqa: BLE001 - re-raised when the reader reaches it
                self._error = err

    def peek(self, k: int = 0) -> Token | None:
        self._fill(k + 1)
        return self._buffer[k] if k < len(self._buffer) else None

    def pop(self) -> Token | None:
        if self._buffer:
            return self._buffer.pop(0)
        self._fill(1)
        if self._buffer:
            return self._buffer.pop(0)
        if self._error is not None:
            raise self._error
        return None


class CommandPostLexer:
    """Retypes COMMAND tokens, drops layout, cuts one-character arguments, and reads bars."""

    always_accept = ("COMMAND", "DOTS_ASCII", "INVISIBLE")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return _Process(_Buffered(stream)).run()


class _Process:
    """One pass over one expression's tokens (the state the decisions need)."""

    def __init__(self, tokens: _Buffered):
        self.tokens = tokens
        self.previous: Token | None = None     # the last token handed to the parser
        self.after: str | None = None          # "left" or "right" just before this token
        self.in_norm = False                   # ``\\|`` opens a norm and the next one closes it
        self.bars = 0                          # absolute values open
        self.depth = 0                         # brackets open (a bar inside is a condition)
        self.frames: list[list[int]] = []      # commands waiting for arguments (_arguments)
        self.evaluations: set[int] = set()     # start positions of \\right that close a \\left. … |_{…}

    def run(self) -> Iterator[Token]:
        while (tok := self.tokens.pop()) is not None:
            if tok.type not in SPECIAL and self.after is None:
                outs: Iterator[Token] | tuple[Token] = (self._seen(tok),)
            else:
                outs = self._one(tok)
            for out in outs:
                if self.frames or out.type in ONE_CHARACTER_ARGUMENTS:
                    yield from self._arguments(out)
                else:
                    yield out

    def _one(self, tok: Token) -> Iterator[Token]:
        after, self.after = self.after, None
        if tok.type == "INVISIBLE":
            yield from self._invisible(tok)
            return
        if tok.type == "COMMAND":
            yield from self._command(tok, after)
            return
        if tok.type == "DOTS_ASCII":
            tok = Token.new_borrow_pos("DOTS", tok.value, tok)
        elif tok.type == "REL" and tok.value in REL_SPELLING:
            tok = Token.new_borrow_pos("REL", REL_SPELLING[tok.value], tok)
        elif tok.type == "BAR":
            tok = self._bar(tok, after)
            if tok is None:
                return
        yield self._seen(tok)

    def _command(self, tok: Token, after: str | None) -> Iterator[Token]:
        name = tok.value[1:]
        kind = command_kind(name)
        if kind == "LAYOUT":
            if name in ("left", "right"):
                self.after = name
                if name == "right" and tok.start_pos in self.evaluations:
                    self.tokens.pop()                      # the bar of \right|_{x=a}
                    yield self._seen(Token.new_borrow_pos("_REVAL", "|", tok))
            return
        if kind == "LAYOUT_ARGUMENTS":
            for _ in range(LAYOUT_ARGUMENTS[name]):
                self._skip_group()
            return
        if name == "Sigma" and self._opens_a_sum():
            kind, tok = "BIGOP", Token.new_borrow_pos("COMMAND", "\\sum", tok)
        value = REL_SPELLING.get(name, tok.value) if kind == "REL" else tok.value
        if kind == "NORM":
            kind = "NORM_R" if self.in_norm else "NORM_L"
        if kind in ("NORM_L", "NORM_R"):
            self.in_norm = kind == "NORM_L"
        if kind == "BAR" and name == "vert":
            bar = self._bar(Token.new_borrow_pos("BAR", value, tok), after)
            if bar is not None:
                yield self._seen(bar)
            return
        if kind == "ABS_L":
            self.bars += 1
        elif kind == "ABS_R":
            self.bars = max(0, self.bars - 1)
        yield self._seen(Token.new_borrow_pos(kind, value, tok))

    def _opens_a_sum(self) -> bool:
        """``\\Sigma^m_{i=1}``, ``\\Sigma_{i=1}^m``: the capital letter set with a sum's limits is the sum sign
        (a subscript that assigns its index; a bare ``\\Sigma_i`` is a symbol)."""
        k = 0
        for _ in range(2):
            script = self.tokens.peek(k)
            if script is None or script.type not in ("_SUB", "_SUP"):
                return False
            if script.type == "_SUB":
                brace, letter, rel = self.tokens.peek(k + 1), self.tokens.peek(k + 2), self.tokens.peek(k + 3)
                return brace is not None and brace.type == "_LBR" and letter is not None and letter.type == "LETTER" \
                    and rel is not None and rel.type == "REL" and rel.value == "="
            k = self._after_script(k + 1)
        return False

    def _after_script(self, k: int) -> int:
        """The position after the script argument that starts at ``k`` (a braced group or one token)."""
        first = self.tokens.peek(k)
        if first is None or first.type != "_LBR":
            return k + 1
        level = 0
        while (tok := self.tokens.peek(k)) is not None:
            level += (tok.type == "_LBR") - (tok.type == "_RBR")
            k += 1
            if level == 0:
                break
        return k

    def _invisible(self, tok: Token) -> Iterator[Token]:
        """``\\left.`` and ``\\right.``: invisible delimiters, unless ``\\left.`` is closed by
        ``\\right|_{…}`` (evaluation at a point)."""
        if tok.value.startswith("\\left"):
            closing = self._matching_right()
            if closing is not None:
                self.evaluations.add(closing.start_pos)
                yield self._seen(Token.new_borrow_pos("_LEVAL", tok.value, tok))

    def _matching_right(self) -> Token | None:
        """The ``\\right`` closing the ``\\left.`` just read, when a bar and a subscript follow it."""
        level, k = 1, 0
        while (tok := self.tokens.peek(k)) is not None:
            opens = tok.value.startswith("\\left") and tok.type in ("COMMAND", "INVISIBLE")
            closes = tok.value.startswith("\\right") and tok.type in ("COMMAND", "INVISIBLE")
            level += opens - closes
            if level == 0:
                bar, script = self.tokens.peek(k + 1), self.tokens.peek(k + 2)
                is_bar = bar is not None and (bar.type == "BAR" and bar.value == "|" or bar.value == "\\vert")
                ok = tok.type == "COMMAND" and is_bar and script is not None and script.type == "_SUB"
                return tok if ok else None
            k += 1
        return None

    def _bar(self, tok: Token, after: str | None) -> Token | None:
        """What a ``|`` is: it opens or closes an absolute value, conditions (``P(y | x)``), or
        evaluates at the point in the subscript after it (``f(x)|_{x=a}``)."""
        if tok.value in ("\\mid",):
            return tok
        ends = self.previous is not None and self.previous.type in OPERAND_END
        follows = self.tokens.peek()
        script = follows is not None and follows.type == "_SUB"
        if after == "left" or not ends:
            kind = "ABS_L"
        elif self.bars > 0:
            kind = "ABS_R"
        elif script:
            kind = "EVAL_BAR"
        elif self.depth > 0 and after != "right":
            return tok
        else:
            kind = "ABS_R" if after == "right" else "ABS_L"
        self.bars += 1 if kind == "ABS_L" else -1 if kind == "ABS_R" else 0
        self.bars = max(self.bars, 0)
        return Token.new_borrow_pos(kind, tok.value, tok)

    def _skip_group(self) -> None:
        """Drop a braced argument of a layout command (``{red}`` of ``\\color{red}``)."""
        first = self.tokens.peek()
        if first is None or first.type != "_LBR":
            return
        level = 0
        while (tok := self.tokens.pop()) is not None:
            level += (tok.type == "_LBR") - (tok.type == "_RBR")
            if level == 0:
                return

    def _seen(self, tok: Token) -> Token:
        if tok.type in OPENING:
            self.depth += 1
        elif tok.type in CLOSING:
            self.depth = max(0, self.depth - 1)
        self.previous = tok
        return tok

    def _arguments(self, tok: Token) -> Iterator[Token]:
        """In TeX a command's argument without braces is one character: ``x_12`` is ``x_1 2`` and
        ``\\frac12`` is ``\\frac{1}{2}``. The lexer reads ``12`` as one NUMBER, so it is cut here.
        Each command still waiting for arguments is a frame [arguments left, braces open]."""
        frames = self.frames
        if frames and frames[-1][1]:                      # inside a braced argument
            frame = frames[-1]
            frame[1] += (tok.type == "_LBR") - (tok.type == "_RBR")
            if not frame[1]:
                self._argument_done()
        elif frames:                                      # this token is the next argument
            if tok.type == "NUMBER" and len(tok.value) > 1:
                first, rest = _split_first_char(tok)
                yield first
                self._argument_done()
                yield from self._arguments(rest)
                return
            if tok.type == "_LBR":
                frames[-1][1] = 1
            else:
                self._argument_done()
        if tok.type in ONE_CHARACTER_ARGUMENTS:
            frames.append([ONE_CHARACTER_ARGUMENTS[tok.type], 0])
        yield tok

    def _argument_done(self) -> None:
        self.frames[-1][0] -= 1
        if not self.frames[-1][0]:
            self.frames.pop()


def _split_first_char(tok: Token) -> tuple[Token, Token]:
    first = Token("NUMBER", tok.value[0], start_pos=tok.start_pos, line=tok.line, column=tok.column,
                  end_line=tok.line, end_column=tok.column + 1, end_pos=tok.start_pos + 1)
    rest = Token("NUMBER", tok.value[1:], start_pos=tok.start_pos + 1, line=tok.line,
                 column=tok.column + 1, end_line=tok.end_line, end_column=tok.end_column,
                 end_pos=tok.end_pos)
    return first, rest
