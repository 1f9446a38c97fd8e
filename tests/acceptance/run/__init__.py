"""Acceptance tests: run."""
