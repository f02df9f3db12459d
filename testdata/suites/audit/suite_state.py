"""Module-level state of the suite's own, which some tests change."""

MODE = "normal"
REGISTRY = []
CACHE = {}
