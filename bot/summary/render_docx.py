"""Each partnership's answers laid out like the original paper form, as a Word document.

The layout is templates/reports/partnership-form.docx (made by tools/make_docx_template.py,
restylable in Word: A4, headings kept with their tables, header rows repeated); docxtpl fills
it from bot/summary/form.py (the answers and sign-off) and bot/summary/form_sections.py (the
follow-up actions, the LA's queries and the changes since an earlier round, where they
apply) with autoescaping, so text stays exactly as typed.

The template is read, cleaned up for Jinja and compiled once per process (`FormTemplate`);
a form is then its rendered parts (the body and the footer) added to a copy of the
template's other parts, already compressed, so a thousand forms cost a thousand renders and
nothing more. The zip of all forms is written one form at a time.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import jinja2
from docxtpl import DocxTemplate

from bot.summary.form import form_context, form_files
from bot.summary.form_sections import FormSections

if TYPE_CHECKING:
    from bot.summary.model import PartnershipResult, Summary

TEMPLATE = "reports/partnership-form.docx"
_PARAGRAPH = re.compile(r"<w:p([ >])")
_SPLIT_PARAGRAPH = re.compile(r"\n<w:p([ >])")
_BODY = re.compile(r"<w:body\b.*</w:body>", re.DOTALL)
_MARKUP = re.compile(r"<[^>]+>")
_CELL_TAGS = re.compile(r"\{%-?\s*(tc|colspan|hm|vm)\b")
"""docxtpl's tags that change how many cells a row has, so that its table fix is needed."""
_SPECIAL_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")
"""Text with a tab, line break or page break, which docxtpl turns into Word's own."""


@dataclass(frozen=True, slots=True)
class _Part:
    """A templated part of the document: its zip name and its compiled Jinja template."""

    name: str
    template: jinja2.Template
    encoding: str


class FormTemplate:
    """The Word form, compiled once: Jinja templates of the parts with tags (cleaned up by
    docxtpl as its `render` would), and every other part of the file as stored."""

    def __init__(self, source: bytes) -> None:
        self._docxtpl = DocxTemplate(io.BytesIO(source))
        self._docxtpl.init_docx()
        env = jinja2.Environment(autoescape=True)  # WordprocessingML is XML: escape values
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            document = archive.read("word/document.xml").decode("utf-8")
            raw = self._docxtpl.get_xml()
            # docxtpl parses each rendered body again to fix its tables and number its
            # pictures; a form without column tags or pictures needs neither.
            self._reparse = bool(_CELL_TAGS.search(_MARKUP.sub("", raw))) or "docPr" in raw
            body = self._docxtpl.patch_xml(raw)
            self._body = env.from_string(_PARAGRAPH.sub(r"\n<w:p\1", body))
            match = _BODY.search(document)
            if match is None:
                raise ValueError(f"{TEMPLATE} has no document body")
            self._document_head, self._document_tail = (
                document[: match.start()],
                document[match.end() :],
            )
            self._parts = [
                self._compile(env, archive, name) for name in self._templated_parts(archive)
            ]
            templated = {"word/document.xml", *(part.name for part in self._parts)}
            # Everything else, compressed once; each form appends its own parts to a copy.
            kept = io.BytesIO()
            with zipfile.ZipFile(kept, "w", zipfile.ZIP_DEFLATED) as copy:
                for item in archive.infolist():
                    if item.filename not in templated:
                        copy.writestr(item, archive.read(item.filename))
        self._kept = kept.getvalue()

    @staticmethod
    def _templated_parts(archive: zipfile.ZipFile) -> Iterator[str]:
        """Headers, footers and footnotes with Jinja tags (the body is handled apart)."""
        for name in archive.namelist():
            if re.fullmatch(r"word/(header|footer|footnotes)\d*\.xml", name):
                data = archive.read(name)
                if b"{{" in data or b"{%" in data:
                    yield name

    def _compile(self, env: jinja2.Environment, archive: zipfile.ZipFile, name: str) -> _Part:
        xml = archive.read(name).decode("utf-8")
        encoding = self._docxtpl.get_headers_footers_encoding(xml)
        patched = self._docxtpl.patch_xml(xml)
        return _Part(name, env.from_string(_PARAGRAPH.sub(r"\n<w:p\1", patched)), encoding)

    def _finish(self, rendered: str) -> str:
        """What docxtpl does to a rendered part: paragraphs back together, escaped tags
        restored, tabs and line breaks in text made Word's."""
        xml = _SPLIT_PARAGRAPH.sub(r"<w:p\1", rendered)
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        if _SPECIAL_TEXT.search(xml) is None:
            return xml  # what resolve_listing would return, found in one pass
        return str(self._docxtpl.resolve_listing(xml))

    def render(self, context: dict[str, Any]) -> bytes:
        """One filled-in form, as the bytes of a .docx file."""
        body = self._finish(self._body.render(context))
        if self._reparse:
            tpl = self._docxtpl
            tree = tpl.fix_tables(body)
            tpl.docx_ids_index = 1000  # pictures numbered afresh in each form, as docxtpl does
            tpl.fix_docpr_ids(tree)
            body = str(tpl.xml_to_string(tree))
        document = self._document_head + body + self._document_tail
        out = io.BytesIO(self._kept)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("word/document.xml", document.encode("utf-8"))
            for part in self._parts:
                archive.writestr(
                    part.name, self._finish(part.template.render(context)).encode(part.encoding)
                )
        return out.getvalue()


@cache
def form_template() -> FormTemplate:
    """The compiled form, made on first use and kept for the life of the process."""
    return FormTemplate(resources.files("templates").joinpath(TEMPLATE).read_bytes())


def docx_context(
    summary: Summary, result: PartnershipResult, sections: FormSections
) -> dict[str, Any]:
    """The form's answers and sign-off, and the sections after the answers that apply."""
    return form_context(summary, result) | sections.context(result)


def render_docx(summary: Summary, result: PartnershipResult) -> bytes:
    """One partnership's filled-in form."""
    return form_template().render(docx_context(summary, result, FormSections(summary)))


def iter_docx(summary: Summary) -> Iterator[tuple[str, bytes]]:
    """Every partnership's form, one at a time, with a safe, distinct file name."""
    template = form_template()
    sections = FormSections(summary)
    for name, result in form_files(summary, "docx"):
        yield name, template.render(docx_context(summary, result, sections))


def render_all_docx(summary: Summary) -> dict[str, bytes]:
    """Every partnership's form, keyed by a safe, distinct file name (for a few; a round's
    worth goes through `iter_docx` or `write_docx_zip`)."""
    return dict(iter_docx(summary))


def write_docx_zip(summary: Summary, target: IO[bytes] | Path) -> int:
    """Every form into one zip, written as each is made; returns how many. The forms are
    compressed already, so they are stored as they are."""
    count = 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for name, data in iter_docx(summary):
            archive.writestr(name, data)
            count += 1
    return count


def docx_zip(summary: Summary) -> bytes:
    """Every form in one zip, in memory (for attaching to a message)."""
    out = io.BytesIO()
    write_docx_zip(summary, out)
    return out.getvalue()
