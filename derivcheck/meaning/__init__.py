"""Nodes to SymPy values at concrete sizes: the evaluator (evaluate.py) and its parts, one module per kind
of meaning (indices, matrices and dots, symbols, functions, definitions and their context, derivatives),
above the values and errors (values.py) and the variables, atoms and labels (atoms.py)."""
