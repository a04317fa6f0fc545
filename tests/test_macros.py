"""An author's LaTeX macros: read from their definitions, expanded as TeX would, within bounds."""

from __future__ import annotations

from derivcheck.latex.macros import Macro, expand, read_macros


def test_definitions_of_every_kind_are_read():
    macros = read_macros(r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}} \renewcommand\R{\mathbb{R}}"
                         r"\def\sq#1{#1^2} \DeclareMathOperator{\diag}{diag} \newcommand{\e}[1][i]{e_{#1}}")
    assert macros == {"\\pd": Macro("\\pd", 2, "\\frac{\\partial #1}{\\partial #2}"),
                      "\\R": Macro("\\R", 0, "\\mathbb{R}"), "\\sq": Macro("\\sq", 1, "#1^2"),
                      "\\diag": Macro("\\diag", 0, "\\operatorname{diag}"), "\\e": Macro("\\e", 1, "e_{#1}", "i")}


def test_uses_are_expanded_with_their_arguments():
    macros = read_macros(r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}} \def\sq#1{#1^2}"
                         r"\newcommand{\e}[1][i]{e_{#1}} \newcommand{\x}{x}")
    assert expand(r"\pd{L}{w_j} + \sq a + \e + \e[k] + \x\xi", macros) == \
        r"\frac{\partial L}{\partial w_j} + a^2 + e_{i} + e_{k} + x\xi"
    assert expand(r"\pd{\sq{y}}{y} \\pd", macros) == r"\frac{\partial y^2}{\partial y} \\pd"


def test_an_expansion_that_never_settles_leaves_the_text_as_written():
    loop = read_macros(r"\def\a{\a x}")
    assert expand(r"\a + 1", loop) == r"\a + 1"
    bomb = read_macros(r"\def\b{\c\c\c\c}\def\c{\d\d\d\d}\def\d{\f\f\f\f}\def\f{\g\g\g\g}\def\g{\h\h\h\h}"
                       r"\def\h{\k\k\k\k}\def\k{\m\m\m\m}\def\m{xxxxxxxxxx}")
    assert expand(r"\b", bomb) == r"\b"


def test_a_use_without_its_arguments_is_left_as_written():
    assert expand(r"a + \pd{L}", read_macros(r"\newcommand{\pd}[2]{\frac{#1}{#2}}")) == r"a + \pd{L}"
