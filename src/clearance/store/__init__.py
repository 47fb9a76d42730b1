"""Persistence: one interface over SQLite (default) and PostgreSQL."""

from clearance.store.sql import Store, version_label

__all__ = ["Store", "version_label"]
