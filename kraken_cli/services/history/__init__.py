"""history use cases."""
