"""market use cases."""
