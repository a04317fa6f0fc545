"""Grading a class: assignments, grades by rubric, per-student feedback. Built on verdict/ and output/."""
