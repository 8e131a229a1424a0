"""Each partnership's answers laid out like the original paper form, as a Word document.

The layout is templates/reports/partnership-form.docx (made by tools/make_docx_template.py,
restylable in Word); docxtpl fills it with autoescaping, so text stays exactly as typed.
"""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources
from typing import Any

from docxtpl import DocxTemplate

from bot.questionnaire import Kind, Section
from bot.summary.context import Wording
from bot.summary.model import PartnershipResult, Summary

TEMPLATE = "reports/partnership-form.docx"


def render_docx(summary: Summary, result: PartnershipResult) -> bytes:
    """One partnership's filled-in form."""
    template = resources.files("templates").joinpath(TEMPLATE)
    with template.open("rb") as source:
        doc = DocxTemplate(io.BytesIO(source.read()))
    doc.render(form_context(summary, result), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_all_docx(summary: Summary) -> dict[str, bytes]:
    """Every partnership's form, keyed by a safe, distinct file name."""
    forms: dict[str, bytes] = {}
    for result in summary.partnerships:
        name = docx_filename(result.name)
        stem, n = name.removesuffix(".docx"), 2
        while name in forms:
            name, n = f"{stem}-{n}.docx", n + 1
        forms[name] = render_docx(summary, result)
    return forms


def docx_zip(summary: Summary) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in render_all_docx(summary).items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_filename(partnership: str) -> str:
    stem = re.sub(r"[^\w]+", "-", partnership, flags=re.ASCII).strip("-").lower()
    return f"{stem or 'partnership'}.docx"


def form_context(summary: Summary, result: PartnershipResult) -> dict[str, Any]:
    """Plain data for the Word template: one table of rows per section."""
    w = Wording(summary)
    q = summary.questionnaire
    status = w.status(result.status)
    if result.submitted_at:
        status = f"{status} {w.when(result.submitted_at)}"
    return {
        "organisation": q.organisation or "",
        "title": q.title,
        "edition": q.edition or "",
        "partnership_line": w.s("docx.partnership", name=result.name),
        "status_line": w.s("docx.status", status=status),
        "sections": [
            _section(w, number, section, result)
            for number, section in enumerate(q.sections, start=1)
        ],
    }


def _section(
    w: Wording, number: int, section: Section, result: PartnershipResult
) -> dict[str, Any]:
    describe = all(item.kind.is_free_text for item in section.items)
    statement = any(item.kind is Kind.STATEMENT for item in section.items)
    prefix = "docx.statement_" if statement else "docx."
    rows = []
    for item in section.items:
        answer = result.answer(item.id)
        value = answer.value if answer else None
        note = (answer.note or "") if answer else ""
        if item.kind.is_free_text:
            mark = ""
            text = w.choice(item.kind, value) if value is not None else ""
            note = "\n".join(part for part in (text, note) if part)
        else:
            mark = w.s(f"docx.mark.{item.kind.value}.{value}") if value in item.kind.choices else ""
        rows.append({"text": item.text, "mark": mark, "note": note})
    return {
        "number": number,
        "heading": section.heading,
        "instructions": section.instructions or "",
        "column": section.column or "",
        "describe": describe,
        "tick_header": w.s("docx.describe") if describe else w.s(f"{prefix}tick"),
        "notes_header": w.s(f"{prefix}notes"),
        "rows": rows,
    }
