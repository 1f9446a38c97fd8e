"""Functional tests: run."""
