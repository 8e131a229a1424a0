"""One partnership's filled-in form on its own: the same Word file the LA summary zips for
every partnership (bot/summary/render_docx.py), compiled from that partnership's response
only. The receipt a submitter gets carries it."""

from __future__ import annotations

import asyncio
from datetime import datetime, tzinfo

from bot.questionnaire_store import stored_questionnaire
from bot.summary.form import form_files
from bot.summary.model import Summary, compile_summary
from storage import Database, partnerships, responses, rounds, signoffs


async def partnership_summary(
    db: Database, round_id: int, partnership_id: int, now: datetime, zone: tzinfo
) -> Summary | None:
    """The round's summary as if the partnership were the only one; None when the round or
    the partnership's response is gone (purged, or never started)."""
    async with db.read() as conn:
        found = await rounds.round_by_id(conn, round_id)
        if found is None:
            return None
        response = next(
            (
                r
                for r in await responses.responses_in_round(conn, round_id)
                if r.partnership_id == partnership_id
            ),
            None,
        )
        if response is None:
            return None
        named = [p for p in await partnerships.list_partnerships(conn) if p.id == partnership_id]
        questionnaire = await stored_questionnaire(conn, found.questionnaire_version)
        contacts = await partnerships.list_contacts(conn, partnership_id)
        answers = await responses.answers(conn, response.id)
        history = await responses.history(conn, response.id)
        signed = await signoffs.latest(conn, [response.id])
    summary = compile_summary(
        found,
        questionnaire,
        [response],
        named,
        contacts,
        {response.id: answers},
        now,
        zone=zone,
        history={response.id: history},
        signoffs=signed,
    )
    return summary if summary.partnerships else None


def form_docx(summary: Summary) -> tuple[str, bytes]:
    """The file name and Word form of the summary's first partnership (with its sign-off;
    the LA's actions, queries and comparison are the summary's, not on this copy)."""
    # docxtpl is slow to import and only this needs it: keep it out of start-up
    from bot.summary.render_docx import render_docx

    name, result = form_files(summary, "docx")[0]
    return name, render_docx(summary, result)


async def partnership_docx(
    db: Database, round_id: int, partnership_id: int, now: datetime, zone: tzinfo
) -> tuple[str, bytes] | None:
    """The partnership's filled-in Word form as it stands now (changes after submission
    marked), with a safe file name; None if there is nothing to fill it from."""
    summary = await partnership_summary(db, round_id, partnership_id, now, zone)
    if summary is None:
        return None
    # filling the form takes tens of milliseconds of CPU: keep the bot answering meanwhile
    return await asyncio.to_thread(form_docx, summary)
