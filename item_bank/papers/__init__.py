"""Exam specs (blueprints) and exam papers: by hand, automatically, published and frozen."""
