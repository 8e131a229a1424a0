"""Files as Telegram can take them: at most 50 MB a document (Bot API, sendDocument).

A zip over the limit (the partnerships' Word forms of a large round) goes as several zips,
each a complete archive of some of the files, named "…-part-1-of-3.zip"; any other file
over the limit is replaced by a message saying it is too big, and how to get it, so that
nothing is left out silently."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

DOCUMENT_LIMIT = 50_000_000
"""Telegram's limit for a file a bot sends ("up to 50 MB"), read as decimal megabytes."""
_MEMBER_OVERHEAD = 128
"""A member's local header, central directory entry and data descriptor, generously
(its name and extra field are counted apart, twice)."""
_END_RECORD = 22


def zip_parts(
    filename: str, content: bytes, limit: int = DOCUMENT_LIMIT
) -> list[tuple[str, bytes]]:
    """`content`, a zip, as zips of at most `limit` bytes each, with their names; empty if
    it is not a zip or one file in it is over the limit alone."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return []
    with archive:
        groups = _groups(archive.infolist(), limit)
        path = PurePath(filename)
        named: list[tuple[str, bytes]] = []
        for number, group in enumerate(groups, start=1):
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as part:
                for info in group:  # as stored: the same compression, names and times
                    part.writestr(info, archive.read(info))
            name = f"{path.stem}-part-{number}-of-{len(groups)}{path.suffix}"
            named.append((name, out.getvalue()))
    return named


def _groups(members: list[zipfile.ZipInfo], limit: int) -> list[list[zipfile.ZipInfo]]:
    """Consecutive members, as many as fit in each part; none if one cannot fit alone."""
    groups: list[list[zipfile.ZipInfo]] = []
    group: list[zipfile.ZipInfo] = []
    size = _END_RECORD
    for info in members:
        needed = (
            info.compress_size
            + 2 * (len(info.filename.encode()) + len(info.extra))
            + _MEMBER_OVERHEAD
        )
        if _END_RECORD + needed > limit:
            return []
        if group and size + needed > limit:
            groups.append(group)
            group, size = [], _END_RECORD
        group.append(info)
        size += needed
    if group:
        groups.append(group)
    return groups
