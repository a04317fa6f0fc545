"""A NumPy trainer from a verified final gradient: the gradient lifted to array operations, the fit, the report."""
