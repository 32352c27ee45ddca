"""Curation: the indicator catalogue, locators, observations published from typed figures, consistency checks."""
