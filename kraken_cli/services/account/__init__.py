"""account use cases."""
