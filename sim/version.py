"""chipsim's version, in a module of its own so every layer (provenance, memo) may name it without importing
the package facade."""

__version__ = "0.1.0"
