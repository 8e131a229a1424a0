"""Names with HTML characters reach Telegram escaped exactly once: the user reads them as
typed, never as entities and never as markup."""

from __future__ import annotations

from tests.conftest import Seeded
from tests.fake_bot_api import FakeBotApi
from tests.plugins.telegram import Harness, join


async def test_names_are_escaped_once(
    api: FakeBotApi, harness: Harness, seeded: Seeded, bot: object
) -> None:
    dan = await join(harness, api, "dan", 1004)
    await dan.click("Yes")
    await dan.send("/start")  # welcome back, by name
    html = "\n".join(m.html for m in dan.messages)
    read = "\n".join(m.text for m in dan.messages)
    assert "Dan &lt;Dee&gt; &amp; Co" in html
    assert "Dan <Dee> & Co" in read
    assert "&amp;" not in read and "&lt;" not in read
