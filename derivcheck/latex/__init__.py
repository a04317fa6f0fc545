"""LaTeX syntax: the grammar (latex.lark) and its parser, the nodes it builds, rendering back to LaTeX, the
command table, brace scanning, and the rules that repair LaTeX damaged in transcription. Knows no meaning."""
