"""Property tests: stats."""
