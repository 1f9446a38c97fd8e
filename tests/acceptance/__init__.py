"""Acceptance tests: end-to-end releases, attacks on them, and browsers."""
