"""Typed async client for AWS Clean Rooms ML."""

from cleanroomsml_async._version import __version__

__all__ = ["__version__"]
