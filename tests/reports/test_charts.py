"""The charts: shares that add up, numbers written beside the shapes, and the picture chat
channels send, decoded and looked at pixel by pixel."""

from __future__ import annotations

import io
from itertools import pairwise

from PIL import Image

from bot.summary.charts import (
    CAPTION_SIZE,
    CHAR_WIDTH,
    COLOURS,
    PNG_SCALE,
    WIDTH,
    build_charts,
    dashboard_png,
    dashboard_svg,
)
from tests.reports.conftest import Filled


async def test_bars_split_by_share_and_carry_their_numbers(filled: Filled) -> None:
    charts = build_charts(await filled.summary())
    (progress,) = charts.progress.bars
    assert [(s.label, s.count) for s in progress.segments] == [
        ("Submitted", 1),
        ("In progress", 1),
        ("Not started", 1),
    ]
    assert progress.caption == ("Submitted 1 · In progress 1 · Not started 1",)
    sections = charts.sections.bars
    assert [b.label for b in sections] == [f"Section {n}" for n in range(1, 8)]
    for bar in sections:
        assert abs(sum(s.share for s in bar.segments) - 1) < 1e-9
        for before, after in pairwise(bar.segments):
            assert abs(before.start + before.share - after.start) < 1e-9
        for line in bar.caption:  # the numbers fit under the bar, however long the labels
            assert len(line) * CAPTION_SIZE * CHAR_WIDTH <= WIDTH
    statements = sections[6]
    assert " ".join(statements.caption) == "True for us 2 · Our practice differs 1 Not answered 6"
    assert [s.colour for s in statements.segments] == [
        COLOURS["true"],
        COLOURS["differs"],
        COLOURS["unanswered"],
    ]
    assert all(b.y < after.y for b, after in pairwise(sections))
    assert charts.sections.height >= sections[-1].y + sections[-1].height


async def test_the_timeline_stacks_every_day_up_to_the_number_of_partnerships(
    filled: Filled,
) -> None:
    filled.seeded.clock.advance(days=5)
    timeline = build_charts(await filled.summary()).timeline
    assert timeline is not None
    assert [label for label, _ in timeline.legend] == [
        "Submitted 1",
        "In progress 1",
        "Not started 1",
    ]
    assert [t.text for t in timeline.ticks] == ["02 Nov", "08 Nov"]
    assert timeline.deadline_x is None  # 30 November is beyond the last day shown
    for area in timeline.areas:
        points = [tuple(map(float, p.split(","))) for p in area.points.split()]
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        assert min(xs) >= timeline.left and max(xs) <= timeline.left + timeline.plot_width + 0.1
        assert min(ys) >= timeline.top and max(ys) <= timeline.top + timeline.plot_height


async def test_the_picture_for_chat_shows_the_charts(filled: Filled) -> None:
    summary = await filled.summary()
    svg = dashboard_svg(summary)
    assert "Audit of information held by partnerships" in svg
    assert "Yes 10 · No 3 · Not answered 20" in svg
    png = dashboard_png(summary)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == round((WIDTH + 32) * PNG_SCALE)
    assert image.height > image.width  # every chart, one under another
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}

    def drawn(key: str) -> bool:
        hex_colour = COLOURS[key].lstrip("#")
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
        return rgb in colours

    assert drawn("submitted") and drawn("in_progress") and drawn("no") and drawn("yes")
