"""Shared test helpers: factories and the small test city (used by every app's tests)."""
