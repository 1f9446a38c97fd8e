"""Unit tests: sdc."""
