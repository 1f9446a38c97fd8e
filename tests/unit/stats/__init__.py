"""Unit tests: stats."""
