"""Where a step is decided: the exact identity test, comparison at every instantiation, refutation, repair,
the chain walker, and findings as data (findings.py, messages.py)."""
