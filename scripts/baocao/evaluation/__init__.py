"""Evaluation and review: scores on evaluation sets, coverage of a report, review lines and synthetic corpora."""
