"""Golden tests: stats."""
