"""The PDFs, read back with pypdf: the summary on A4 landscape, each partnership's form on
A4 portrait with its own page numbers, and what a reader looks for on the pages."""

from __future__ import annotations

import io

from pypdf import PdfReader

from bot.summary.render_pdf import forms_pdf, render_all_pdf, summary_pdf
from tests.reports.conftest import AMENDED_NOTE, Filled

A4_LONG, A4_SHORT = 841.89, 595.28


def pages(data: bytes) -> list[tuple[tuple[float, float], str]]:
    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        box = page.mediabox
        size = (round(float(box.width), 2), round(float(box.height), 2))
        found.append((size, " ".join((page.extract_text() or "").split())))
    return found


def near(size: tuple[float, float], expected: tuple[float, float]) -> bool:
    return all(abs(a - b) < 1 for a, b in zip(size, expected, strict=True))


async def test_the_summary_prints_on_a4_landscape_with_everything_in_it(filled: Filled) -> None:
    data = summary_pdf(await filled.summary())
    assert data.startswith(b"%PDF-")
    found = pages(data)
    assert len(found) > 3
    assert all(near(size, (A4_LONG, A4_SHORT)) for size, _ in found)
    text = " ".join(t for _, t in found)
    assert found[0][1].startswith("Audit of information held by partnerships: summary")
    assert "Dan <Dee> & Co" in text  # typed text, shown as typed
    assert "42. We keep paper records for seven years and then destroy them" in text
    assert "Section 7: How long do you keep information? (questions 41–44)" in text
    assert "Yes 10 · No 3 · Not answered 20" in text  # a chart's numbers
    changes = text.split("Changes after submission")[-1]
    assert "7. Attendance Records" in changes and AMENDED_NOTE in changes
    assert "Alice Archer" in changes


async def test_each_form_is_a4_portrait_and_numbers_its_own_pages(filled: Filled) -> None:
    summary = await filled.summary()
    combined = pages(forms_pdf(summary) or b"")
    assert all(near(size, (A4_SHORT, A4_LONG)) for size, _ in combined)
    firsts = [i for i, (_, text) in enumerate(combined) if "Partnership: " in text]
    assert [combined[i][1].split("Partnership: ")[1].split()[0] for i in firsts] == [
        "East",
        "North",
        "South",
    ]
    north = combined[firsts[1] : firsts[2]]
    assert north[0][1].startswith(
        "LEICESTERSHIRE SECONDARY EDUCATION AND INCLUSION PARTNERSHIPS"
        " AUDIT OF INFORMATION HELD BY PARTNERSHIPS 2026/27"
    )
    assert "Status: Submitted 02 Nov 2026 11:00 by Bob Baker; amended" in north[0][1]
    for number, (_, text) in enumerate(north, start=1):
        footer = "North Partnership · Audit of information held by partnerships 2026/27"
        assert f"{footer} · page {number} of {len(north)}" in text
    # the changes come last, followed only by the signature line (the named sign-off)
    end = " ".join(text for _, text in north[-2:])
    assert "Changes after submission" in end and AMENDED_NOTE in end
    assert end.index(AMENDED_NOTE) < end.index("Sign-off")
    assert "Signed off by Bob Baker, Head of inclusion, on 02 Nov 2026 11:00" in north[-1][1]
    assert "42 We keep paper records for seven years" in " ".join(t for _, t in north)

    separate = render_all_pdf(summary)
    assert sorted(separate) == [
        "east-partnership.pdf",
        "north-partnership.pdf",
        "south-partnership.pdf",
    ]
    assert len(pages(separate["north-partnership.pdf"])) == len(north)
