"""The fake Bot API refuses what Telegram refuses, over real HTTP: the bot's tests trust it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from tests.fake_bot_api import FakeBotApi

CHAT = 4242
OTHER_CHAT = 4343
ALL_TAGS = (
    "<b>b</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <ins>ins</ins>"
    " <s>s</s> <strike>strike</strike> <del>del</del>"
    ' <span class="tg-spoiler">spoiler</span> <tg-spoiler>tg</tg-spoiler>'
    ' <a href="https://example.org/?a=1&amp;b=2">link</a>'
    ' <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    ' <code>code</code> <pre>pre</pre> <pre><code class="language-python">x = 1</code></pre>'
    " <blockquote>quote</blockquote> <blockquote expandable>more</blockquote>"
    " <B>upper</B> <b><i>nested</i></b> &lt;&gt;&amp;&quot; &#65;&#x42; AT&T a & b a > b"
)


class Client:
    """Calls the fake as any HTTP client would, and returns its JSON answer."""

    def __init__(self, api: FakeBotApi, session: aiohttp.ClientSession) -> None:
        self.api = api
        self.session = session

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        url = f"{self.api.url}/bot{self.api.token}/{method}"
        async with self.session.post(url, json=params) as response:
            return response.status, await response.json()

    async def send(self, text: str, **params: Any) -> tuple[int, dict[str, Any]]:
        return await self("sendMessage", chat_id=CHAT, text=text, parse_mode="HTML", **params)

    async def refusal(self, method: str, **params: Any) -> str:
        status, body = await self(method, **params)
        assert status == body["error_code"] == 400, body
        assert body["ok"] is False
        return str(body["description"])


@pytest.fixture
async def client(api: FakeBotApi) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(api, session)


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the fake."""
    async with Bot(api.token, base_url=f"{api.url}/bot") as real:
        yield real


def buttons(*data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "tap", "callback_data": d} for d in data]]}


# -- HTML ------------------------------------------------------------------------------


async def test_every_tag_telegram_supports_is_accepted_and_shown_as_text(client: Client) -> None:
    status, body = await client.send(ALL_TAGS)
    assert status == 200, body
    shown = client.api.messages[CHAT][-1].text
    assert shown == body["result"]["text"]
    assert "spoiler tg link 👍 code pre x = 1 quote more upper nested" in shown
    assert shown.endswith('<>&" AB AT&T a & b a > b')


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("one<br>two", 'Unsupported start tag "br" at byte offset 3'),
        ("<p>para</p>", 'Unsupported start tag "p"'),
        ("<div>block</div>", 'Unsupported start tag "div"'),
        ("<h1>title</h1>", 'Unsupported start tag "h1"'),
        ("<b/>", 'Unsupported start tag "b/"'),
        ("<ul><li>x</li></ul>", 'Unsupported start tag "ul"'),
        ("é<br>", "byte offset 2"),  # offsets count UTF-8 bytes, as Telegram's do
        ("a < b", 'Unsupported start tag ""'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("bold</b>", "Unexpected end tag at byte offset 4"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag"),
        ("<b>x</b", "Unclosed end tag"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href>x</a>", "Expected equal sign"),
        ('<a href="x>x</a>', "Unclosed end tag"),
        ("<tg-emoji>x</tg-emoji>", 'must have attribute "emoji-id"'),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;"'),
        ("&hellip;", 'Unsupported HTML entity "&hellip;"'),
        ("it&#39;s &apos;", 'Unsupported HTML entity "&apos;"'),
    ],
)
async def test_html_outside_telegrams_subset_is_refused(
    client: Client, html: str, problem: str
) -> None:
    description = await client.refusal("sendMessage", chat_id=CHAT, text=html, parse_mode="HTML")
    assert description.startswith("Bad Request: can't parse entities: ")
    assert problem in description
    assert CHAT not in client.api.messages


async def test_bad_html_is_refused_in_edits_and_captions_too(client: Client) -> None:
    _, sent = await client.send("<b>first</b>")
    message_id = sent["result"]["message_id"]
    edit = await client.refusal(
        "editMessageText", chat_id=CHAT, message_id=message_id, text="<br>", parse_mode="HTML"
    )
    assert "can't parse entities" in edit
    assert client.api.messages[CHAT][-1].text == "first"
    caption = await client.refusal(
        "sendDocument", chat_id=CHAT, document="file-id", caption="<p>x</p>", parse_mode="HTML"
    )
    assert "can't parse entities" in caption


async def test_without_parse_mode_tags_are_plain_text(client: Client) -> None:
    status, body = await client("sendMessage", chat_id=CHAT, text="1 <br> 2 &nbsp;")
    assert status == 200, body
    assert client.api.messages[CHAT][-1].text == "1 <br> 2 &nbsp;"


async def test_a_real_bot_gets_badrequest_for_bad_html(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
        await bot.send_message(CHAT, "line<br>line", parse_mode=ParseMode.HTML)


# -- lengths ---------------------------------------------------------------------------


async def test_text_length_is_counted_after_entity_parsing(client: Client) -> None:
    for text in ("<b>" + "x" * 4096 + "</b>", "&amp;" * 4096, "é" * 4096, "  " + "x" * 4096):
        status, body = await client.send(text)
        assert status == 200, body
    for text in ("<b>" + "x" * 4097 + "</b>", "&lt;" * 4097, "x" * 4097):
        assert await client.refusal("sendMessage", chat_id=CHAT, text=text, parse_mode="HTML") == (
            "Bad Request: message is too long"
        )


async def test_an_edit_is_held_to_the_same_length(client: Client) -> None:
    _, sent = await client.send("short")
    description = await client.refusal(
        "editMessageText",
        chat_id=CHAT,
        message_id=sent["result"]["message_id"],
        text="x" * 4097,
    )
    assert description == "Bad Request: MESSAGE_TOO_LONG"


@pytest.mark.parametrize("text", ["", "   \n ", "<b></b>", "<i> </i>\n"])
async def test_empty_text_is_refused(client: Client, text: str) -> None:
    description = await client.refusal("sendMessage", chat_id=CHAT, text=text, parse_mode="HTML")
    assert description == "Bad Request: message text is empty"


async def test_text_is_shown_without_leading_and_trailing_space(client: Client) -> None:
    await client.send("\n  <b>hello</b>  \n")
    assert client.api.messages[CHAT][-1].text == "hello"


async def test_caption_length_is_counted_after_parsing(client: Client) -> None:
    fits = "<b>" + "&amp;" * 1024 + "</b>"
    status, body = await client(
        "sendDocument", chat_id=CHAT, document="file-id", caption=fits, parse_mode="HTML"
    )
    assert status == 200, body
    description = await client.refusal(
        "sendDocument", chat_id=CHAT, document="file-id", caption="x" * 1025, parse_mode="HTML"
    )
    assert description == "Bad Request: message caption is too long"


async def test_a_real_bot_uploading_a_document_is_held_to_the_caption_limit(
    bot: Bot, api: FakeBotApi
) -> None:
    await bot.send_document(CHAT, b"data", filename="a.csv", caption="<i>ok</i>", parse_mode="HTML")
    assert api.messages[CHAT][-1].document == b"data"
    assert api.messages[CHAT][-1].text == "ok"
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(CHAT, b"data", filename="a.csv", caption="x" * 1025)


async def test_callback_answers_over_200_characters_are_refused(client: Client) -> None:
    status, _ = await client("answerCallbackQuery", callback_query_id="q1", text="x" * 200)
    assert status == 200
    description = await client.refusal(
        "answerCallbackQuery", callback_query_id="q2", text="x" * 201
    )
    assert description == "Bad Request: MESSAGE_TOO_LONG"


# -- keyboards -------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
async def test_callback_data_outside_1_to_64_bytes_is_refused(client: Client, data: str) -> None:
    description = await client.refusal(
        "sendMessage", chat_id=CHAT, text="pick", reply_markup=buttons("ok", data)
    )
    assert description == "Bad Request: BUTTON_DATA_INVALID"
    assert CHAT not in client.api.messages


async def test_callback_data_of_64_bytes_is_accepted(client: Client) -> None:
    status, body = await client.send("pick", reply_markup=buttons("x" * 64, "é" * 32, "1"))
    assert status == 200, body


async def test_bad_callback_data_is_refused_in_edits_too(client: Client) -> None:
    _, sent = await client.send("pick", reply_markup=buttons("ok"))
    message_id = sent["result"]["message_id"]
    for method, extra in (("editMessageText", {"text": "again"}), ("editMessageReplyMarkup", {})):
        description = await client.refusal(
            method, chat_id=CHAT, message_id=message_id, reply_markup=buttons("x" * 65), **extra
        )
        assert description == "Bad Request: BUTTON_DATA_INVALID"
    assert client.api.messages[CHAT][-1].buttons == [("tap", "ok")]


async def test_a_button_without_an_action_is_refused(client: Client) -> None:
    markup = {"inline_keyboard": [[{"text": "just a label"}]]}
    description = await client.refusal("sendMessage", chat_id=CHAT, text="x", reply_markup=markup)
    assert "Text buttons are unallowed" in description


async def test_a_real_bot_gets_badrequest_for_long_callback_data(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("tap", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "pick", reply_markup=markup)


async def test_editing_text_without_reply_markup_removes_the_keyboard(client: Client) -> None:
    _, sent = await client.send("pick", reply_markup=buttons("a", "b"))
    message_id = sent["result"]["message_id"]
    status, body = await client(
        "editMessageText",
        chat_id=CHAT,
        message_id=message_id,
        text="kept",
        reply_markup=buttons("a"),
    )
    assert status == 200 and body["result"]["reply_markup"] == buttons("a")
    status, body = await client("editMessageText", chat_id=CHAT, message_id=message_id, text="gone")
    assert status == 200 and "reply_markup" not in body["result"]
    message = client.api.messages[CHAT][-1]
    assert message.buttons == [] and message.text == "gone" and message.edits == 2


async def test_the_same_text_without_the_keyboard_is_a_modification(client: Client) -> None:
    _, sent = await client.send("pick", reply_markup=buttons("a"))
    message_id = sent["result"]["message_id"]
    status, _ = await client("editMessageText", chat_id=CHAT, message_id=message_id, text="pick")
    assert status == 200
    description = await client.refusal(
        "editMessageText", chat_id=CHAT, message_id=message_id, text="pick"
    )
    assert description.startswith("Bad Request: message is not modified")


# -- rate limits -----------------------------------------------------------------------


async def test_no_rate_limit_unless_a_test_asks(client: Client) -> None:
    for n in range(40):
        status, _ = await client.send(f"message {n}")
        assert status == 200


async def test_per_chat_rate_limit_answers_429_with_retry_after(client: Client) -> None:
    api = client.api
    api.rate_limit(per_chat_per_second=1, global_per_second=30)
    assert (await client.send("first"))[0] == 200
    status, body = await client.send("too soon")
    assert status == 429 and body["error_code"] == 429
    assert body["parameters"]["retry_after"] == 1
    assert body["description"] == "Too Many Requests: retry after 1"
    assert [c.params["text"] for c in api.throttled] == ["too soon"]
    # another chat is not held back, and neither are calls that are not sends
    assert (await client("sendMessage", chat_id=OTHER_CHAT, text="other"))[0] == 200
    assert (await client("getMe"))[0] == 200
    await asyncio.sleep(1.05)
    assert (await client.send("later"))[0] == 200
    assert [m.text for m in api.messages[CHAT]] == ["first", "later"]


async def test_global_rate_limit_covers_every_chat(client: Client) -> None:
    client.api.rate_limit(per_chat_per_second=None, global_per_second=3)
    answers = [(await client("sendMessage", chat_id=chat, text="hello"))[0] for chat in range(1, 6)]
    assert answers == [200, 200, 200, 429, 429]


async def test_edits_count_towards_the_chat_limit(client: Client) -> None:
    _, sent = await client.send("one")
    client.api.rate_limit(per_chat_per_second=1)
    message_id = sent["result"]["message_id"]
    assert (await client("editMessageText", chat_id=CHAT, message_id=message_id, text="a"))[
        0
    ] == 200
    assert (await client("editMessageText", chat_id=CHAT, message_id=message_id, text="b"))[
        0
    ] == 429


async def test_a_slow_rate_waits_longer(client: Client) -> None:
    client.api.rate_limit(per_chat_per_second=20 / 60, global_per_second=None)
    await client.send("one")
    _, body = await client.send("two")
    assert body["parameters"]["retry_after"] == 3


async def test_the_rate_limit_can_be_turned_off(client: Client) -> None:
    client.api.rate_limit(per_chat_per_second=1)
    await client.send("one")
    client.api.rate_limit(per_chat_per_second=None, global_per_second=None)
    assert (await client.send("two"))[0] == 200


async def test_a_real_bot_sees_retry_after(bot: Bot, api: FakeBotApi) -> None:
    api.rate_limit(per_chat_per_second=1)
    await bot.send_message(CHAT, "one")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "two")
    assert raised.value.message.startswith("Flood control exceeded")
