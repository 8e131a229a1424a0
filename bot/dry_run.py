"""Dry runs that cannot drift from the real thing: the same work in a write transaction,
rolled back instead of committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage import Database
from storage.db import Connection


class _RolledBack(Exception):
    """A signal to roll back, not an error."""


@asynccontextmanager
async def transaction(db: Database, *, dry_run: bool) -> AsyncIterator[Connection]:
    """A write transaction, committed at the end, or rolled back if `dry_run`."""
    try:
        async with db.transaction() as conn:
            yield conn
            if dry_run:
                raise _RolledBack
    except _RolledBack:
        pass
