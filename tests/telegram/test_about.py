"""What people are told before they answer: the welcome and /help (the round's own title
and school year, how long it takes, why the LA asks and who sees the answers, whom to ask),
and the bot's description, set with the Bot API at start-up only when it differs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.about import About, about_audit, about_now, about_outcome, round_title
from bot.channels.telegram.profile import description, short_description, update_profile
from bot.config import ConfigError, Settings, TelegramSettings, load_settings
from bot.flows import events as ev
from bot.questionnaire import Questionnaire
from bot.texts import texts
from bot.time_to_answer import minutes_to_answer
from storage import responses
from storage.records import AnswerChange, Contact, Round
from tests.conftest import Seeded
from tests.fake_bot_api import MAX_TEXT, ApiError, FakeBotApi, parse_html
from tests.plugins.telegram import Harness

OPENED = datetime(2026, 11, 2, 10, tzinfo=UTC)
ALICE = Contact(1, 1, "North <Partnership> & Co", "Alice Archer", "alice@north.example")
NOTE = 'Answers go to the <LA> & "partners" only.'


def a_round(q: Questionnaire, opened: datetime = OPENED) -> Round:
    return Round(1, q.version, opened, date(2026, 11, 30), None)


def configured(**overrides: str) -> Settings:
    given = {
        "AUDITBOT_LA_CONTACT_NAME": "Jo <Smith>",
        "AUDITBOT_LA_CONTACT_EMAIL": "audit@la.example",
        "AUDITBOT_PRIVACY_NOTE": NOTE,
    }
    return load_settings(**{**given, **overrides})


def shown(html: str) -> str:
    """What a person sees of a Telegram HTML message (the fake refuses what Telegram would)."""
    text = parse_html(html)
    assert 0 < len(text) <= MAX_TEXT
    return text


def test_the_welcome_names_the_round_and_says_what_to_expect(questionnaire: Questionnaire) -> None:
    about = about_audit(configured(), questionnaire, a_round(questionnaire))
    text = shown(texts().render("telegram/welcome.html.j2", contact=ALICE, about=about))
    assert "Audit of information held by partnerships 2026/27" in text
    assert "2018" not in text
    assert f"{len(questionnaire.items)} questions in 7 sections" in text
    assert f"about {minutes_to_answer(len(questionnaire.items))} minutes" in text
    assert "Please finish by Monday 30 November 2026" in text
    assert NOTE in text  # escaped in the HTML, shown as typed
    assert "Ask Jo <Smith> (audit@la.example) at the local authority" in text
    assert "North <Partnership> & Co" in text
    assert len(text) < 900  # a phone screen, not an essay


def test_a_late_colleague_is_told_how_long_what_is_left_takes(
    questionnaire: Questionnaire,
) -> None:
    about = about_audit(Settings(), questionnaire, a_round(questionnaire), answered=40)
    text = shown(texts().render("telegram/welcome.html.j2", contact=ALICE, about=about))
    assert "Colleagues have answered 40 already, so it takes about 2 minutes" in text
    assert "Questions about the audit" not in text  # no LA contact configured
    assert texts().string("about.why") in text  # the built-in data-protection note


def test_help_says_the_same_in_short(questionnaire: Questionnaire) -> None:
    about = about_audit(configured(), questionnaire, a_round(questionnaire), answered=4)
    text = shown(texts().render("telegram/help.html.j2", about=about))
    assert "/review" in text and "/submit" in text
    assert (
        "Audit of information held by partnerships 2026/27: 44 questions, about 20 minutes "
        "for the 40 still to answer, to finish by Monday 30 November." in text
    )
    assert NOTE in text and "audit@la.example" in text


def test_the_terminal_says_it_too(questionnaire: Questionnaire) -> None:
    settings = configured(AUDITBOT_LA_CONTACT_NAME="")
    about = about_audit(settings, questionnaire, a_round(questionnaire))
    welcome = texts().render("console/welcome.txt.j2", contact=ALICE, about=about)
    assert "Audit of information held by partnerships 2026/27" in welcome
    assert "Ask audit@la.example at the local authority" in welcome  # email alone
    assert NOTE in welcome and "about 22 minutes" in welcome
    help_text = texts().render("console/help.txt.j2", about=about)
    assert "/quit" in help_text and NOTE in help_text


@pytest.mark.parametrize(
    ("opened", "year"),
    [
        (datetime(2026, 9, 1, 9, tzinfo=UTC), "2026/27"),
        (datetime(2027, 1, 15, 9, tzinfo=UTC), "2026/27"),
        (datetime(2027, 8, 31, 9, tzinfo=UTC), "2026/27"),
        (datetime(2099, 12, 1, 9, tzinfo=UTC), "2099/00"),
    ],
)
def test_a_round_is_titled_by_its_school_year(
    questionnaire: Questionnaire, opened: datetime, year: str
) -> None:
    about = about_audit(Settings(), questionnaire, a_round(questionnaire, opened))
    assert about.title == f"{questionnaire.title} {year}"
    assert about.title == round_title(questionnaire.title, opened.date())


def test_before_any_round_the_title_is_the_questionnaire_s(questionnaire: Questionnaire) -> None:
    about = about_audit(Settings(), questionnaire, None)
    assert (about.title, about.deadline) == (questionnaire.title, None)
    context = replace(about, answered=50).as_context()
    assert context["remaining"] == 0 and context["minutes"] == 1


def test_the_settings_are_checked_and_blank_means_unset() -> None:
    settings = load_settings(
        AUDITBOT_LA_CONTACT_NAME="  Jo   Smith ",
        AUDITBOT_LA_CONTACT_EMAIL="",
        AUDITBOT_PRIVACY_NOTE=" ",
    )
    assert (settings.la_contact_name, settings.la_contact_email) == ("Jo Smith", None)
    assert settings.privacy_note is None
    with pytest.raises(ConfigError, match="AUDITBOT_LA_CONTACT_EMAIL is invalid"):
        load_settings(AUDITBOT_LA_CONTACT_EMAIL="audit team")
    with pytest.raises(ConfigError, match="AUDITBOT_PRIVACY_NOTE is invalid"):
        load_settings(AUDITBOT_PRIVACY_NOTE="x" * 401)


def test_the_descriptions_fit_telegram_s_limits() -> None:
    longest = configured(
        AUDITBOT_LA_CONTACT_NAME="n" * 80, AUDITBOT_LA_CONTACT_EMAIL="e" * 100 + "@la.example"
    )
    text = description(longest)
    assert len(text) <= 512 and text.endswith("e" * 100 + "@la.example")
    assert "invitation link" in text
    assert "Questions about the audit" not in description(Settings())
    assert 0 < len(short_description(Settings())) <= 120


# --- the Bot API side: set at start-up, once -------------------------------------------


@pytest.fixture
def settings(api: FakeBotApi, tmp_path: Path) -> Settings:
    return configured().model_copy(
        update={
            "telegram": TelegramSettings(bot_token=api.token, api_url=api.url),
            "db": tmp_path / "audit.db",
        }
    )


async def test_start_up_sets_the_description_once(
    harness: Harness, api: FakeBotApi, seeded: Seeded, settings: Settings
) -> None:
    app = await harness.start()
    assert api.descriptions == {"": description(settings)}
    assert api.short_descriptions == {"": short_description(settings)}
    assert "Jo <Smith>, audit@la.example" in api.descriptions[""]
    await harness.stop(app)
    await harness.start()  # a restart: read, found the same, nothing set
    assert len(api.requests("setMyDescription")) == 1
    assert len(api.requests("setMyShortDescription")) == 1
    assert len(api.requests("getMyDescription")) == 2


async def test_a_changed_setting_updates_the_description(
    api: FakeBotApi, settings: Settings
) -> None:
    async with Bot(api.token, base_url=f"{api.url}/bot") as bot:
        assert await update_profile(bot, settings) == ["description", "short description"]
        assert await update_profile(bot, settings) == []
        moved = settings.model_copy(update={"la_contact_email": "data@la.example"})
        assert await update_profile(bot, moved) == ["description"]
        assert (await bot.get_my_description()).description.endswith("data@la.example")


async def test_the_fake_bot_api_refuses_what_telegram_refuses(api: FakeBotApi) -> None:
    async with Bot(api.token, base_url=f"{api.url}/bot") as bot:
        with pytest.raises(BadRequest, match="too long"):
            await bot.set_my_description(description="x" * 513)
        with pytest.raises(BadRequest, match="too long"):
            await bot.set_my_short_description(short_description="x" * 121)
        with pytest.raises(BadRequest, match="language code"):
            await bot.set_my_description(description="Hallo", language_code="deu")
        assert await bot.set_my_description(description="x" * 512)
        assert await bot.set_my_description(description="Hallo", language_code="de")
        assert (await bot.get_my_description(language_code="de")).description == "Hallo"
        assert (await bot.get_my_description(language_code="fr")).description == "x" * 512
        assert await bot.set_my_description(description="")  # removes it
        assert (await bot.get_my_description()).description == ""
        assert api.descriptions == {"de": "Hallo"}


def test_about_is_immutable_facts() -> None:
    about = About("T", 10, 2, 3, None, "why", None, None)
    assert (about.remaining, about.minutes, about.has_contact) == (7, 4, False)


async def test_a_bot_that_cannot_set_its_description_still_starts(
    harness: Harness, api: FakeBotApi, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(params: dict[str, Any]) -> bool:
        raise ApiError(500, "Internal Server Error")

    monkeypatch.setattr(api, "_m_setMyDescription", refuse)
    app = await harness.start()
    assert app.running
    assert api.descriptions == {}


async def test_help_reads_the_partnership_s_progress_afresh(seeded: Seeded) -> None:
    alice, bob = seeded.contacts["alice"], seeded.contacts["bob"]
    before = await about_now(seeded.db, Settings(), alice)
    assert before is not None and (before.answered, before.deadline) == (0, date(2026, 11, 30))
    first = seeded.questionnaire.items[0].id
    await seeded.service.handle(bob.id, "telegram", ev.Start())
    async with seeded.db.transaction() as conn:
        response = await responses.response_for(
            conn, seeded.round.id, bob.partnership_id, seeded.round.questionnaire_version
        )
        await responses.apply_changes(
            conn, response, [AnswerChange(first, "yes", None)], bob.id, "telegram", seeded.clock()
        )
    after = await about_now(seeded.db, Settings(), alice)  # a colleague's answer counts
    assert after is not None and after.answered == 1 and after.title.endswith("2026/27")
    outcome = await seeded.service.handle(alice.id, "telegram", ev.Start())
    assert about_outcome(Settings(), outcome) == after
