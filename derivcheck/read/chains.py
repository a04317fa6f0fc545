"""Blocks -> chains: runs of expressions joined by relations, across rows and displays.

A chain is ``A = B = C`` in one display, the rows of an alignment (``&=``), and displays that start
with a relation (they continue the display before). A display that ends with a relation (``… =$$``)
is continued by the next one, with one relation between them (``$$= …$$`` or not). A relation left
with nothing after it, a display never closed: each is one ``garbled`` finding (a block in
``empty`` with its reason in ``broken``), and the rest of the document is still read.
"""

from __future__ import annotations

from .document import Block, Chain, Link, Piece
from .rows import Equation, block_equations, line_at, merge_relations


def build_chains(text: str, blocks: list[Block], continues: dict[int, int]):
    """(chains, lone pieces, empty or broken blocks) of ``blocks``; ``continues`` maps a block to
    the block whose chain it continues although it does not start with a relation."""
    chains: list[Chain] = []
    lone: list[Piece] = []
    empty: list[Block] = []
    chain_of_block: dict[int, Chain] = {}
    pending: tuple[str, int, Block] | None = None    # a relation with nothing after it yet
    for block in blocks:
        equations = [] if block.broken else block_equations(text, block)
        written = [eq for eq in equations if eq.parts]
        if not written:
            empty.append(block)
            continue
        current = _continued(chains, chain_of_block, written[0], block, continues, pending is not None)
        for eq in equations:
            if eq.fresh:
                if pending is not None:
                    empty.append(_dangling(text, *pending))
                    pending = None
                current = None
            if eq.parts and pending is not None:
                relation, piece = eq.parts[0]
                eq.parts[0] = (merge_relations(pending[0], relation), piece)
                pending = None
            current = _add(eq, current, chains, lone, blocks, block)
            if eq.trailing is not None:
                if pending is not None:
                    empty.append(_dangling(text, *pending))
                pending = (*eq.trailing, block)
        if current is not None:
            chain_of_block[block.index] = current
    if pending is not None:
        empty.append(_dangling(text, *pending))
    for chain in list(chains):
        if not chain.links:
            chains.remove(chain)
            lone.append(chain.first)
    return chains, lone, empty


def _continued(chains: list[Chain], chain_of_block: dict[int, Chain], first: Equation, block: Block,
               continues: dict[int, int], pending: bool) -> Chain | None:
    """The chain a display's first equation continues, if any."""
    if first.fresh:
        return None
    if first.parts[0][0] is not None or pending:
        return chains[-1] if chains else None
    if continues.get(block.index) in chain_of_block:
        first.parts[0] = ("=", first.parts[0][1])
        return chain_of_block[continues[block.index]]
    return None


def _add(eq: Equation, current: Chain | None, chains: list[Chain], lone: list[Piece], blocks: list[Block],
         block: Block) -> Chain | None:
    """Add an equation's pieces: a piece with no relation before it starts a chain."""
    for relation, piece in eq.parts:
        if relation is None:
            current = Chain(piece, blocks=[block.index])
            chains.append(current)
        elif current is not None:
            current.links.append(_link(blocks, current, relation, piece))
            if block.index not in current.blocks:
                current.blocks.append(block.index)
        else:
            lone.append(piece)  # a relation with nothing before it
    return current


def _dangling(text: str, relation: str, offset: int, block: Block) -> Block:
    """The finding for a relation that nothing follows (``a = b =`` and no display after it)."""
    return Block(block.index, offset, offset, line_at(text, block, offset), block.content, block.before,
                 broken=f"the relation `{relation}` at the end of the display has nothing after it")


def _link(blocks: list[Block], chain: Chain, relation: str, piece: Piece) -> Link:
    """A link; its verbatim text is the whole equation for the first link written in the same
    display as the chain's start, and the new side otherwise."""
    end = piece.start + len(piece.text)
    if not chain.links and chain.first.block == piece.block:
        start = chain.first.start
    else:
        start = piece.start
    block = blocks[piece.block]
    return Link(relation, piece, block.content[start - block.start:end - block.start], start, piece.line)
