"""The ``emergency`` command: thin adapters over the service functions."""
