"""Loupe: the analytics warehouse of a jewelry and accessories web shop."""

__version__ = "0.1.0"
