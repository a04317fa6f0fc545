"""LaTeX syntax: the grammar (latex.lark), its parser (parse.py) and transformer (transform.py, build.py), the
nodes, rendering back to LaTeX, the command table, brace scanning, and the rules that repair LaTeX damaged in
transcription. Knows no meaning."""
