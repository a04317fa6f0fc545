"""Findings to what people and tools read: Markdown and JSON reports."""
