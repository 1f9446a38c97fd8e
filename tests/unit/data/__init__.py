"""Unit tests: data."""
