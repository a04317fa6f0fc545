"""Nodes to SymPy values at concrete sizes: the evaluator, and vectors and matrices written with \\dots."""
