"""trading use cases."""
