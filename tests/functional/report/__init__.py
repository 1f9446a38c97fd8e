"""Functional tests: report."""
