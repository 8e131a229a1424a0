"""One partnership's answers as the paper form lays them out: the plain data that both the
Word form (docxtpl) and the PDF form (HTML through WeasyPrint) are filled from."""

from __future__ import annotations

import re
from typing import Any

from bot.questionnaire import Kind
from bot.signoff import attestation
from bot.summary.context import Wording
from bot.summary.model import PartnershipResult, SectionSummary, Summary
from storage.records import Status


def form_files(summary: Summary, suffix: str) -> list[tuple[str, PartnershipResult]]:
    """Every partnership with a safe, distinct file name for its form."""
    found: dict[str, PartnershipResult] = {}
    for result in summary.partnerships:
        stem = re.sub(r"[^\w]+", "-", result.name, flags=re.ASCII).strip("-").lower()
        stem = stem or "partnership"
        name, n = f"{stem}.{suffix}", 2
        while name in found:
            name, n = f"{stem}-{n}.{suffix}", n + 1
        found[name] = result
    return list(found.items())


def form_context(summary: Summary, result: PartnershipResult) -> dict[str, Any]:
    """Title, round and dates, who answered and when, one table per section, the changes."""
    w = Wording(summary)
    q = summary.questionnaire
    return {
        "organisation": q.organisation or "",
        "title": w.round_title(),
        "round_line": w.round_dates(relative=False),
        "partnership": result.name,
        "partnership_line": w.s("docx.partnership", name=result.name),
        "status_line": w.s("docx.status", status=_status(w, result)),
        "contacts_line": w.s("docx.contacts", names=", ".join(result.contacts))
        if result.contacts
        else "",
        "answered_by_line": w.s("docx.answered_by", names=", ".join(result.answered_by))
        if result.answered_by
        else "",
        "compiled_line": w.s("docx.compiled", when=w.when(summary.generated_at)),
        "footer": w.s("docx.footer", partnership=result.name, title=w.round_title()),
        "footer_of": w.s("docx.footer_of"),
        "number_header": w.s("docx.number"),
        "amended_marker": w.s("marker.amended"),
        "amended_legend": w.s("legend.amended"),
        "sections": [_section(w, section, result) for section in summary.sections],
        "signoff_heading": w.s("docx.signoff_heading"),
        "attestation": result.signoff.attestation if result.signoff else attestation(q),
        "signoff_line": _signoff(w, result),
        "changes_heading": w.s("docx.changes"),
        "changes_header": [
            w.s("docx.number"),
            w.s("column.question"),
            w.s("column.before"),
            w.s("column.after"),
            w.s("column.changed_by"),
        ],
        "changes": [
            {
                "number": str(a.question.number),
                "question": a.question.item.text,
                "before": w.version(a, a.before),
                "after": w.version(a, a.after),
                "by": w.s(
                    "change.by", who=a.after.contact_name or "", when=w.when(a.after.answered_at)
                ),
            }
            for a in result.amendments
        ],
    }


def _signoff(w: Wording, result: PartnershipResult) -> str:
    """The signature line: who signed off, as what and when, or a blank line to sign on."""
    signed = result.signoff
    if signed is None:
        return w.s("docx.signoff_blank")
    return w.s("docx.signoff", name=signed.name, role=signed.role, when=w.when(signed.signed_at))


def _status(w: Wording, result: PartnershipResult) -> str:
    if result.status is Status.SUBMITTED:
        line = w.s(
            "docx.status_submitted", when=w.when(result.submitted_at), by=result.submitted_by
        )
        if result.amendments:
            line += w.s(
                "docx.status_amended", when=w.when(result.amended_at), count=len(result.amendments)
            )
        return line
    last = w.when(result.last_activity_at) if result.last_activity_at else ""
    return w.s(
        "docx.status_open",
        status=w.status(result.status),
        answered=result.answered,
        total=result.total,
        last=last,
    )


def _section(w: Wording, section: SectionSummary, result: PartnershipResult) -> dict[str, Any]:
    items = section.section.items
    describe = all(item.kind.is_free_text for item in items)
    statement = any(item.kind is Kind.STATEMENT for item in items)
    prefix = "docx.statement_" if statement else "docx."
    rows = []
    for number, item in enumerate(items, start=section.first):
        answer = result.answer(item.id)
        value = answer.value if answer else None
        note = (answer.note or "") if answer else ""
        if item.kind.is_free_text:
            mark = ""
            text = w.choice(item.kind, value) if value is not None else ""
            note = "\n".join(part for part in (text, note) if part)
        else:
            mark = w.s(f"docx.mark.{item.kind.value}.{value}") if value in item.kind.choices else ""
        amended = result.amended(item.id)
        rows.append(
            {
                "number": str(number),
                "label": f"{number} {w.s('marker.amended')}" if amended else str(number),
                "text": item.text,
                "mark": mark,
                "note": note,
                "amended": amended,
            }
        )
    return {
        "number": section.number,
        "heading": w.s("docx.section", number=section.number, heading=section.section.heading),
        "instructions": section.section.instructions or "",
        "column": section.section.column or "",
        "describe": describe,
        "tick_header": w.s("docx.describe") if describe else w.s(f"{prefix}tick"),
        "notes_header": w.s(f"{prefix}notes"),
        "rows": rows,
    }
