"""Year two by email: the question emails show last year's answers, "N same" confirms one,
"section N same" a whole section, and an answer given with them wins. Reworded and new
questions cannot be confirmed; nothing is recorded before the person says so."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from bot import round_setup
from bot.channels.email.compose import reply_token
from bot.channels.email.conversation import EmailConversation
from bot.flows.events import Status
from storage import outbox
from tests.carry_setup import ADDED, REWORDED, edited, edited_source
from tests.conftest import Seeded
from tests.email.dovecot import Account
from tests.email.smtp_server import MailServer
from tests.email.test_answering import (
    CAROL,
    email_settings,
    numbered_answers,
    reply,
    settings_for,
    signed_email,
)


@pytest.fixture
def conversation(seeded: Seeded, smtp: MailServer, dovecot: Account) -> EmailConversation:
    settings = settings_for(seeded, email_settings(smtp, dovecot))
    return EmailConversation(settings, seeded.db, seeded.clock, lambda: None)


async def last_reply(seeded: Seeded) -> str:
    async with seeded.db.read() as conn:
        rows = [r for r in await outbox.all_rows(conn) if r.kind == "conversation"]
    return str(rows[-1].payload["notice"]["context"]["text"])


def as_email(text: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Audit: section 1"
    message["Reply-To"] = f"audit+{reply_token('test-secret', CAROL)}@la.example"
    message["Message-ID"] = "<section-1@la.example>"
    message.set_content(text)
    return message


async def year_two_answers(seeded: Seeded) -> dict[str, tuple[str | None, str | None]]:
    outcome = await seeded.service.handle(seeded.contacts["carol"].id, "console", Status())
    return {qid: (a.value, a.note) for qid, a in outcome.answers.items()}


@pytest.fixture
async def year_two(conversation: EmailConversation, seeded: Seeded) -> str:
    """Carol answered sections 1 and 2 by email last year ("1 yes - on the referral form");
    the LA opened year two with carry-forward on the edited questionnaire; Carol says START.
    Returns the email with section 1's questions."""
    last_year = (
        "1 yes - held on the referral form\n"
        + "\n".join(numbered_answers(seeded.questionnaire, n) for n in (1, 2)).split("\n", 1)[1]
    )
    await conversation.take(signed_email(CAROL, last_year))
    await round_setup.close_round(seeded.db, seeded.clock())
    await round_setup.open_round(
        seeded.db, edited(), edited_source(), date(2027, 11, 30), seeded.clock(), True
    )
    await conversation.take(signed_email(CAROL, "start"))
    return await last_reply(seeded)


async def test_the_question_email_shows_last_years_answers(year_two: str) -> None:
    lines = year_two.splitlines()
    address = next(line for line in lines if line.startswith("1. Address"))
    assert address == "1. Address  (last year: Yes - held on the referral form; same, or yes / no)"
    reworded = next(line for line in lines if line.startswith("2. Telephone numbers of parents"))
    assert "before the question was reworded" in reworded and "same" not in reworded
    pets = next(line for line in lines if "Pets at home" in line)
    assert pets.endswith("(yes / no)")  # new: asked blank
    assert 'reply "section 1 same"' in year_two and '("1 same")' in year_two


@pytest.mark.parametrize("style", ["gmail", "outlook"])
async def test_section_same_confirms_what_holds_and_an_answer_given_with_it_wins(
    conversation: EmailConversation, seeded: Seeded, year_two: str, style: str
) -> None:
    q = edited()
    reworded, added = ((q.position(qid) or 0) + 1 for qid in (REWORDED, ADDED))
    body = f"Section 1 same\n3 no - not any more\n{reworded} yes\n{added} no"
    await conversation.take(reply(as_email(year_two), body, style=style))
    answers = await year_two_answers(seeded)
    assert answers["s1.address"] == ("yes", "held on the referral form")  # as last year
    assert answers[q.items[2].id] == ("no", "not any more")  # changed, not confirmed
    assert answers[REWORDED] == ("yes", None) and answers[ADDED] == ("no", None)
    section_1 = {item.id for item in q.sections[0].items}
    assert section_1 <= answers.keys()
    assert not answers.keys() - section_1  # the quoted "(last year: …)" lines are not answers
    text = await last_reply(seeded)
    assert "of last year's answers in section 1 as still true" in text
    assert "Section 2 of" in text  # on to the next section


async def test_one_same_with_a_note_and_what_cannot_be_confirmed(
    conversation: EmailConversation, seeded: Seeded, year_two: str
) -> None:
    reworded = (edited().position(REWORDED) or 0) + 1
    body = f"1 same - and on the MIS\n{reworded} same\nsection 9 same"
    await conversation.take(signed_email(CAROL, body))
    answers = await year_two_answers(seeded)
    assert answers == {"s1.address": ("yes", "held on the referral form\nand on the MIS")}
    text = await last_reply(seeded)
    assert "1. Yes - note: held on the referral form\nand on the MIS (as last year)" in text
    assert f"Question {reworded}: Last year's answer to this question cannot be confirmed" in text
    assert "no answer from last year left to confirm in that section" in text
    # a second "same" for the same question: it is answered already this round
    await conversation.take(signed_email(CAROL, "1 same"))
    assert "Question 1: Last year's answer" in await last_reply(seeded)
