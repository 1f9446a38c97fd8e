"""Unit tests: fast, in-process, no store, kernel or shared data."""
