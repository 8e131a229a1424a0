"""The questionnaire a round was opened with, as stored then: parsed once per version.

Versions are content hashes (`Questionnaire.version`), so a version always names the same
questionnaire and the cache can be shared by everything in the process.
"""

from __future__ import annotations

import aiosqlite

from bot.questionnaire import Questionnaire, parse_questionnaire
from storage import rounds

CACHE_SIZE = 16
"""Versions kept parsed; a deployment uses one or two at a time."""

_cache: dict[str, Questionnaire] = {}


async def stored_questionnaire(conn: aiosqlite.Connection, version: str) -> Questionnaire:
    """The stored questionnaire `version`, parsed (cached, least recently used evicted).

    Raises LookupError if the version is not stored.
    """
    found = _cache.pop(version, None)
    if found is None:
        source = await rounds.questionnaire_source(conn, version)
        if source is None:
            raise LookupError(f"questionnaire version {version} is not stored")
        found = parse_questionnaire(source, f"version {version}")
    _cache[version] = found
    while len(_cache) > CACHE_SIZE:
        del _cache[next(iter(_cache))]
    return found
