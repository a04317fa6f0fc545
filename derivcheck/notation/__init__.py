"""What the symbols mean: the header format an instructor writes (header.py), and inference from the text
(infer.py) for documents with none: axes, conventions of the field, what an equation states."""
