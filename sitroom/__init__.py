"""sitroom: a situation room for election information integrity."""

__version__ = "0.1.0"
