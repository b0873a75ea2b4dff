"""Benchmarks of the portal's own work (the engine's are in matching.bench)."""
