"""Shared test infrastructure: fakes, the subprocess environment, the secret scanner."""
