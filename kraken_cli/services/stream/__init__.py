"""stream use cases."""
