"""Orion's domain model: aggregates, events, value objects and pure policies. No I/O."""
