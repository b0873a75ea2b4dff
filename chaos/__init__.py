"""Fault injection for a production-like local run (``make chaos``): see :mod:`chaos.run`."""
