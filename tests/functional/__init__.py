"""Functional tests: stores, jobs, kernels and the command line in a subprocess."""
