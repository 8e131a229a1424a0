"""The inbox keeps each update as getUpdates returned it (`RawUpdates`, filled while PTB
parses the answer), and written out from PTB's object when there is no such JSON (a
webhook); either way the update found again after a restart is the one that arrived."""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Update

from bot.channels.telegram.ordering import ChatOrderedProcessor, RawUpdates, RawUpdatesRequest
from storage import Database

BOT = Bot("1:fake")


def _tap(seq: int, chat: int = 1001) -> dict[str, Any]:
    user = {"id": chat, "is_bot": False, "first_name": "Ann “Nan” <b>"}
    return {
        "update_id": seq,
        "callback_query": {
            "id": f"q{seq}",
            "from": user,
            "chat_instance": "7",
            "data": "a1|c|s1.q1|yes",
            "message": {
                "message_id": 40 + seq,
                "date": 1793000000,
                "chat": {"id": chat, "type": "private", "first_name": user["first_name"]},
                "text": "1. A question?",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Yes", "callback_data": "a1|c|s1.q1|yes"}]]
                },
            },
        },
    }


async def _kept(db: Database) -> dict[int, str]:
    async with db.read() as conn:
        rows = await conn.execute_fetchall("SELECT seq, payload FROM inbox")
    return {int(row["seq"]): str(row["payload"]) for row in rows}


async def test_updates_are_kept_as_they_arrived(db: Database) -> None:
    raw = RawUpdates()
    request = RawUpdatesRequest(raw)
    body = {"ok": True, "result": [_tap(5), _tap(6, chat=1002)]}
    parsed = request.parse_json_payload(json.dumps(body).encode())
    assert parsed == body  # PTB gets what it would have got
    request.parse_json_payload(b'{"ok": false, "error_code": 409, "description": "x"}')
    processor = ChatOrderedProcessor(db, raw=raw)
    updates = [Update.de_json(data, BOT) for data in parsed["result"]]
    seen: list[dict[int, str]] = []

    async def handle() -> None:
        seen.append(await _kept(db))

    for update in updates:
        await processor.do_process_update(update, handle())
        assert processor._forgetting is not None
        processor._forgetting.cancel()  # the process dies before the removal
    assert json.loads(seen[0][5]) == _tap(5)  # the very JSON Telegram sent
    assert json.loads(seen[1][6]) == _tap(6, chat=1002)
    found = await ChatOrderedProcessor(db).unhandled(BOT)
    assert [u.to_dict() for u in found] == [u.to_dict() for u in updates]


async def test_without_the_json_the_update_is_written_out(db: Database) -> None:
    update = Update.de_json(_tap(9), BOT)  # as from a webhook: nothing in RawUpdates
    processor = ChatOrderedProcessor(db)
    kept: list[dict[int, str]] = []

    async def handle() -> None:
        kept.append(await _kept(db))

    await processor.do_process_update(update, handle())
    await processor.shutdown()
    assert Update.de_json(json.loads(kept[0][9]), BOT).to_dict() == update.to_dict()


def test_raw_updates_holds_a_bounded_number() -> None:
    raw = RawUpdates(most=3)
    raw.add({"ok": True, "result": [_tap(n) for n in range(1, 6)]})
    raw.add({"ok": True, "result": True})  # not a getUpdates answer
    assert raw.take(Update.de_json(_tap(5), BOT)) == json.dumps(
        _tap(5), ensure_ascii=False, separators=(",", ":")
    )
    oldest = Update.de_json(_tap(1), BOT)
    assert json.loads(raw.take(oldest)) == json.loads(oldest.to_json())  # dropped: written out
    assert len(raw._json) == 2
