"""Figures: every number as a mention, typed by its clause (measure, period, subject), resolved by the vocabulary."""
