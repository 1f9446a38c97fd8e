"""Unit tests: report."""
