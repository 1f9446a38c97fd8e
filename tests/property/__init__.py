"""Property tests: hypothesis invariants and seeded studies of statistics and disclosure."""
