"""`auditbot verify`: is the data as the bot wrote it? Checks the schema's record of its
migrations, SQLite's integrity check, the append-only triggers, every response's
answer-history hash chain and the audit log's, and names the first broken link.

A chain shows an entry changed after it was written (its hash no longer matches its
content), an entry removed or slipped in (the next one no longer follows it), and the
newest entries removed (the response records the hash of its last one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import aiosqlite

from storage import Database, audit_log, integrity
from storage.chain import GENESIS, link_hash
from storage.integrity import APPEND_ONLY_TRIGGERS, Chain
from storage.migrations import MIGRATIONS


class Problem(StrEnum):
    """Keys of stewardship.verify.problem in strings.yaml."""

    CHANGED = "changed"
    """The entry's content no longer matches its hash."""
    UNLINKED = "unlinked"
    """The entry does not follow the one before it: one was removed, inserted or rewritten."""
    TRUNCATED = "truncated"
    """The newest entries are gone (or the response's record of the last one changed)."""


@dataclass(frozen=True, slots=True)
class BrokenLink:
    problem: Problem
    entry_id: int | None
    """The answer-history (or audit-log) row where the chain breaks."""
    round_id: int | None = None
    partnership: str | None = None
    question_id: str | None = None
    at: str | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    schema_version: int
    expected_version: int
    migrations_complete: bool
    """Every migration from the first to the current one is recorded, once."""
    file_problems: tuple[str, ...]
    dangling: int
    missing_triggers: tuple[str, ...]
    chains: int
    entries: int
    broken_chains: int
    first_broken: BrokenLink | None
    orphan_entries: int
    log_entries: int
    log_broken: BrokenLink | None

    @property
    def schema_ok(self) -> bool:
        return self.migrations_complete and self.schema_version == self.expected_version

    @property
    def history_ok(self) -> bool:
        return self.first_broken is None and not self.orphan_entries

    @property
    def ok(self) -> bool:
        return (
            self.schema_ok
            and not self.file_problems
            and not self.dangling
            and not self.missing_triggers
            and self.history_ok
            and self.log_broken is None
        )


async def verify(db: Database) -> Verification:
    """Check everything (reads only)."""
    async with db.read() as conn:
        versions = await integrity.schema_versions(conn)
        problems = await integrity.integrity_problems(conn)
        dangling = await integrity.dangling_references(conn)
        present = await integrity.triggers(conn)
        chains = await integrity.history_chains(conn)
        orphans = await integrity.orphan_history(conn)
        log = await audit_log.links(conn)
    broken = [found for found in map(check_chain, chains) if found is not None]
    return Verification(
        schema_version=max(versions, default=0),
        expected_version=len(MIGRATIONS),
        migrations_complete=versions == list(range(1, len(MIGRATIONS) + 1)),
        file_problems=tuple(problems),
        dangling=len(dangling),
        missing_triggers=tuple(sorted(APPEND_ONLY_TRIGGERS - present)),
        chains=len(chains),
        entries=sum(len(chain.links) for chain in chains),
        broken_chains=len(broken),
        first_broken=broken[0] if broken else None,
        orphan_entries=orphans,
        log_entries=len(log),
        log_broken=check_log(log),
    )


async def round_intact(conn: aiosqlite.Connection, round_id: int) -> bool:
    """Whether every answer history of one round is as the bot wrote it: the summary's
    check, which reads only that round's rows (`verify` checks the whole file)."""
    return all(
        check_chain(chain) is None for chain in await integrity.history_chains(conn, round_id)
    )


def check_chain(chain: Chain) -> BrokenLink | None:
    """The first broken link of one response's history, if any."""
    prev = GENESIS
    for link in chain.links:
        problem = None
        if link.prev_hash != prev:
            problem = Problem.UNLINKED
        elif link_hash(link.prev_hash, *link.fields) != link.row_hash:
            problem = Problem.CHANGED
        if problem is not None:
            return BrokenLink(
                problem,
                link.id,
                chain.round_id,
                chain.partnership,
                link.question_id,
                link.changed_at,
            )
        prev = link.row_hash
    if (chain.head or GENESIS) != prev:
        last = chain.links[-1] if chain.links else None
        return BrokenLink(
            Problem.TRUNCATED,
            last.id if last else None,
            chain.round_id,
            chain.partnership,
            last.question_id if last else None,
            last.changed_at if last else None,
        )
    return None


def check_log(links: Sequence[audit_log.LogLink]) -> BrokenLink | None:
    """The first broken link of the audit log. Its oldest entries are deleted when past
    their retention, so the chain is checked from the oldest entry kept."""
    prev: str | None = None
    for link in links:
        problem = None
        if prev is not None and link.prev_hash != prev:
            problem = Problem.UNLINKED
        elif link_hash(link.prev_hash, *link.fields) != link.row_hash:
            problem = Problem.CHANGED
        if problem is not None:
            return BrokenLink(problem, link.id, at=str(link.fields[0]))
        prev = link.row_hash
    return None
