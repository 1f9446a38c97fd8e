"""Functional tests: data."""
