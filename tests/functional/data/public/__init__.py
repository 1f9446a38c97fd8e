"""Functional tests: data/public."""
