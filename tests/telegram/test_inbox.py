"""The inbox of `ChatOrderedProcessor` on a real database: every update is kept before it
is handled and removed after; the removals of updates handled together go in one statement,
and an update handled but not yet removed when the process dies is found again at start."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Bot, Update

from bot.channels.telegram.ordering import ChatOrderedProcessor
from storage import Database

BOT = Bot("1:fake")


def _update(seq: int, chat: int) -> Update:
    user = {"id": chat, "is_bot": False, "first_name": f"User {chat}"}
    data: dict[str, Any] = {
        "update_id": seq,
        "message": {
            "message_id": seq,
            "date": 1793000000,
            "from": user,
            "chat": {"id": chat, "type": "private", "first_name": user["first_name"]},
            "text": f"message {seq}",
        },
    }
    return Update.de_json(data, BOT)


async def _inbox(db: Database) -> list[int]:
    async with db.read() as conn:
        return [int(row["seq"]) for row in await conn.execute_fetchall("SELECT seq FROM inbox")]


async def test_updates_are_kept_while_handled_and_removed_together(db: Database) -> None:
    processor = ChatOrderedProcessor(db)
    seen_while_handling: dict[int, list[int]] = {}
    statements: list[str] = []

    async def handle(seq: int) -> None:
        seen_while_handling[seq] = await _inbox(db)
        await asyncio.sleep(0.01)

    await db._conn.set_trace_callback(statements.append)
    updates = [_update(seq, chat=1000 + seq % 5) for seq in range(1, 41)]
    await asyncio.gather(*(processor.do_process_update(u, handle(u.update_id)) for u in updates))
    await processor.shutdown()
    await db._conn.set_trace_callback(None)

    assert all(seq in seen_while_handling[seq] for seq in seen_while_handling)  # kept first
    assert len(seen_while_handling) == 40
    assert await _inbox(db) == []  # and all removed
    removals = [s for s in statements if s.startswith("DELETE FROM inbox")]
    assert 1 <= len(removals) < 40  # together, not one statement per update


async def test_handled_but_not_yet_removed_is_found_again(db: Database) -> None:
    processor = ChatOrderedProcessor(db)

    async def handle() -> None:
        pass

    await processor.do_process_update(_update(7, chat=1001), handle())
    assert processor._forgetting is not None
    processor._forgetting.cancel()  # the process dies before the removal runs
    assert await _inbox(db) == [7]
    restarted = ChatOrderedProcessor(db)
    found = await restarted.unhandled(BOT)
    assert [u.update_id for u in found] == [7]
    await restarted.do_process_update(found[0], handle())
    await restarted.shutdown()
    assert await _inbox(db) == []
