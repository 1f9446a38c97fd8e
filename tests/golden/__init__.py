"""Golden values: ldsa's statistics against published reference values with their provenance."""
