"""ldsa's tests, in folders by layer: unit, property, golden, functional, acceptance."""
