"""Property tests: sdc."""
