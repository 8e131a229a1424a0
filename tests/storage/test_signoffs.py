"""Named sign-off through the audit service on a real SQLite file: stored with the
submission, the role offered again next time, shown in the summary and the history, and
emptied of the name when the contact is erased."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl

from bot.audit_service import Outcome
from bot.flows import effects as fx
from bot.flows import events as ev
from bot.questionnaire import load_questionnaire
from bot.round_setup import close_round, open_round
from bot.summary.load import load_summary
from bot.summary.render_docx import render_docx
from bot.summary.render_html import render_html
from bot.summary.render_text import render_text
from bot.summary.render_xlsx import render_xlsx
from storage import responses, signoffs
from storage.standing import standing
from tests.conftest import Seeded

ATTESTATION = "I confirm"


def confirmation(outcome: Outcome) -> fx.AskConfirm:
    (effect,) = [e for e in outcome.effects if isinstance(e, fx.AskConfirm)]
    return effect


async def answer_all(seeded: Seeded, who: str) -> None:
    entries = tuple(
        ev.BatchEntry(item.id, item.kind.choices[0] if item.kind.choices else "nothing")
        for item in seeded.questionnaire.items
    )
    await seeded.service.handle(seeded.contacts[who].id, "console", ev.Batch(entries))


async def sign_off(seeded: Seeded, who: str, role: str | None) -> Outcome:
    contact = seeded.contacts[who].id
    await seeded.service.handle(contact, "console", ev.Submit())
    if role is not None:
        await seeded.service.handle(contact, "console", ev.Text(role))
    return await seeded.service.handle(contact, "console", ev.Confirm())


async def test_the_sign_off_is_stored_with_the_submission(seeded: Seeded) -> None:
    await answer_all(seeded, "alice")
    alice = seeded.contacts["alice"]
    asked = confirmation(await seeded.service.handle(alice.id, "console", ev.Submit()))
    assert (asked.name, asked.role) == ("Alice Archer", None)
    await seeded.service.handle(alice.id, "console", ev.Text("Head of inclusion"))
    done = await seeded.service.handle(alice.id, "console", ev.Confirm())
    assert fx.Submitted((), fx.Signer("Alice Archer", "Head of inclusion")) in done.effects
    async with seeded.db.read() as conn:
        [response] = [
            r
            for r in await responses.responses_in_round(conn, seeded.round.id)
            if r.partnership_id == alice.partnership_id
        ]
        found = await standing(conn, alice.id, "telegram")
        signed = await signoffs.latest(conn, [response.id])
    assert found is not None and found.role == "Head of inclusion"
    [signoff] = signed.values()
    assert (signoff.name, signoff.role, signoff.channel, signoff.contact_id) == (
        "Alice Archer",
        "Head of inclusion",
        "console",
        alice.id,
    )
    assert signoff.attestation.startswith(ATTESTATION)
    assert signoff.signed_at == seeded.clock()


async def test_no_sign_off_no_submission(seeded: Seeded) -> None:
    await answer_all(seeded, "alice")
    outcome = await sign_off(seeded, "alice", None)
    assert confirmation(outcome).typing is ev.SignerPart.ROLE
    async with seeded.db.read() as conn:
        [response] = [
            r
            for r in await responses.responses_in_round(conn, seeded.round.id)
            if r.partnership_id == seeded.contacts["alice"].partnership_id
        ]
        assert await signoffs.for_response(conn, response.id) == []
    assert response.submitted_at is None


async def test_next_year_the_role_is_offered_and_submitting_is_one_tap(seeded: Seeded) -> None:
    await answer_all(seeded, "alice")
    await sign_off(seeded, "alice", "Head of inclusion")
    seeded.clock.advance(days=1)
    await close_round(seeded.db, seeded.clock())
    questionnaire, source = load_questionnaire()
    await open_round(seeded.db, questionnaire, source, date(2027, 11, 30), seeded.clock())
    await answer_all(seeded, "alice")
    alice = seeded.contacts["alice"].id
    asked = confirmation(await seeded.service.handle(alice, "console", ev.Submit()))
    assert asked.signer == fx.Signer("Alice Archer", "Head of inclusion")
    done = await seeded.service.handle(alice, "console", ev.Confirm())
    assert any(isinstance(e, fx.Submitted) for e in done.effects)
    # a colleague who never signed off is asked for their role
    await answer_all(seeded, "carol")
    carol = seeded.contacts["carol"].id
    asked = confirmation(await seeded.service.handle(carol, "console", ev.Submit()))
    assert (asked.name, asked.role) == ("Carol Cole", None)


async def test_the_summary_shows_who_signed_off(seeded: Seeded) -> None:
    await answer_all(seeded, "alice")
    await sign_off(seeded, "alice", "Head of <inclusion>")
    summary = await load_summary(seeded.db, seeded.clock())
    north = next(p for p in summary.partnerships if p.name == "North Partnership")
    assert north.signoff is not None and north.signoff.role == "Head of <inclusion>"
    assert "; signed off by Alice Archer, Head of <inclusion>" in render_text(summary)
    assert "; signed off by Alice Archer, Head of &lt;inclusion&gt;" in render_html(summary)
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(summary))).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "North Partnership")
    signed = dict(zip(header, row, strict=True))
    assert (signed["Signed off by"], signed["Role"]) == ("Alice Archer", "Head of <inclusion>")
    form = render_docx(summary, north)
    with zipfile.ZipFile(io.BytesIO(form)) as archive:
        document = archive.read("word/document.xml").decode()
    assert "Signed off by Alice Archer, Head of &lt;inclusion&gt;, on " in document
    assert ATTESTATION in document
    south = next(p for p in summary.partnerships if p.name == "South Partnership")
    with zipfile.ZipFile(io.BytesIO(render_docx(summary, south))) as archive:
        assert "Signed off by: ____" in archive.read("word/document.xml").decode()


async def test_history_and_erasure(seeded: Seeded) -> None:
    await answer_all(seeded, "alice")
    await sign_off(seeded, "alice", "Head of inclusion")
    async with seeded.db.transaction() as conn:
        north = seeded.contacts["alice"].partnership_id
        [signed] = await signoffs.for_partnership(conn, seeded.round.id, north)
        assert signed.name == "Alice Archer"
        assert await signoffs.anonymise(conn, seeded.contacts["alice"].id, "a former contact") == 1
        [signed] = await signoffs.for_partnership(conn, seeded.round.id, north)
    assert (signed.name, signed.role) == ("a former contact", "Head of inclusion")
