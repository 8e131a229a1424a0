"""Each partnership's answers laid out like the original paper form, as a Word document.

The layout is templates/reports/partnership-form.docx (made by tools/make_docx_template.py,
restylable in Word: A4, headings kept with their tables, header rows repeated); docxtpl fills
it from bot/summary/form.py with autoescaping, so text stays exactly as typed.
"""

from __future__ import annotations

import io
import zipfile
from importlib import resources

from docxtpl import DocxTemplate

from bot.summary.form import form_context, form_files
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
    return {name: render_docx(summary, result) for name, result in form_files(summary, "docx")}


def docx_zip(summary: Summary) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in render_all_docx(summary).items():
            archive.writestr(name, data)
    return out.getvalue()
