"""The summary and each partnership's form as PDF, for people who cannot open a DOCX on
their phone: the HTML report (its print layout, A4 landscape) and the form's HTML (A4, laid
out like the Word form) typeset by WeasyPrint.

WeasyPrint needs Debian's Pango (README, Quick start); without it `PdfUnavailable` says
so in one sentence instead of the import's error.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from types import ModuleType
from typing import Any, NoReturn

from bot.summary.form import form_context, form_files
from bot.summary.model import PartnershipResult, Summary
from bot.summary.render_html import render_html
from bot.texts import texts

FORM_TEMPLATE = "reports/form.html.j2"


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load Pango: PDFs cannot be made on this machine."""


@cache
def _weasyprint() -> ModuleType:
    try:  # Pango is loaded on import: only when a PDF is wanted
        weasyprint = importlib.import_module("weasyprint")
    except OSError as exc:  # the Python package is there, the C library is not
        raise PdfUnavailable(str(exc)) from exc
    # it warns about every rule meant for browsers (the phone layout's media query), on
    # every PDF: not news for the log
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint


def pdf_available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    """Our HTML is self-contained: never fetch anything, whatever a page might name."""
    raise ValueError(f"not fetched: {url}")


def _document(html: str) -> Any:
    weasyprint = _weasyprint()
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()


def summary_pdf(summary: Summary) -> bytes:
    """The summary as the HTML report prints: A4 landscape, charts and all."""
    data: bytes = _document(render_html(summary)).write_pdf()
    return data


def form_html(summary: Summary, result: PartnershipResult) -> str:
    return texts().render(FORM_TEMPLATE, **form_context(summary, result)) + "\n"


def form_pdf(summary: Summary, result: PartnershipResult) -> bytes:
    """One partnership's filled-in form, A4 portrait, as the Word form prints."""
    data: bytes = _document(form_html(summary, result)).write_pdf()
    return data


def render_all_pdf(summary: Summary) -> dict[str, bytes]:
    """Every partnership's form, keyed by a safe, distinct file name."""
    return {name: form_pdf(summary, result) for name, result in form_files(summary, "pdf")}


def forms_pdf(summary: Summary) -> bytes | None:
    """Every partnership's form in one PDF, each starting on a new page with its own page
    numbers: one file that any phone opens (None when the round has no partnership)."""
    documents = [_document(form_html(summary, r)) for r in summary.partnerships]
    if not documents:
        return None
    pages = [page for document in documents for page in document.pages]
    data: bytes = documents[0].copy(pages).write_pdf()
    return data
