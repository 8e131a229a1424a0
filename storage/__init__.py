"""Durable storage on SQLite through aiosqlite; the only package that contains SQL."""

from storage.db import Database, open_database

__all__ = ["Database", "open_database"]
