"""Documents: Markdown (and later notebooks and LaTeX files) into blocks, chains, steps and prose, kept verbatim
with their line numbers."""
