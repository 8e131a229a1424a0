"""Charts of the summary, for what an LA officer would rather look at than read.

Each chart is laid out here as plain geometry and drawn by an SVG template
(templates/reports/charts/), so the HTML report and its PDF carry it inline and the file
stays self-contained; the same SVG becomes the PNG that chat channels send (CairoSVG). Every
chart carries its numbers as text beside the shapes, so nothing is known from colour alone.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType

from markupsafe import Markup

from bot.summary.context import Wording
from bot.summary.model import ProgressDay, Summary
from bot.texts import texts
from storage.records import Status

WIDTH = 400
"""Charts' drawing width (SVG units): about a phone's width, so text reads at its size."""
CHAR_WIDTH = 0.6
"""A generous average glyph width (em) of DejaVu Sans, to break captions before the edge."""
LABEL_HEIGHT, BAR_HEIGHT, LINE_HEIGHT, GAP = 20, 24, 17, 14
CAPTION_SIZE = 13
TITLE_SIZE = 16
PLOT_LEFT, PLOT_TOP, PLOT_HEIGHT = 34, 8, 130
"""The timeline's plot area: room on the left for the axis numbers, to the right edge less 10."""
PLOT_WIDTH = WIDTH - PLOT_LEFT - 10
PNG_SCALE = 2.0

COLOURS: dict[str, str] = {
    # one colour per meaning, the same in every chart; "No" and "differs" are the warm ones,
    # as they are highlighted in the answer tables
    "submitted": "#1a9850",
    "in_progress": "#fdae61",
    "not_started": "#bababa",
    "yes": "#4575b4",
    "true": "#4575b4",
    "no": "#e66101",
    "differs": "#e66101",
    "answered": "#4575b4",
    "nothing": "#abd9e9",
    "unanswered": "#d9d9d9",
}
INK: dict[str, str] = {"yes": "#ffffff", "true": "#ffffff", "answered": "#ffffff"}
"""Text colour on a segment where black would not read (dark fills)."""


class ChartsUnavailable(RuntimeError):
    """The PNG needs the Cairo library (Debian's libcairo2), which is not installed."""


@dataclass(frozen=True, slots=True)
class Segment:
    label: str
    count: int
    colour: str
    ink: str
    start: float
    """Where it begins along its bar, 0..1."""
    share: float
    """Its length along the bar, 0..1."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    """Written above the bar (none for a chart of one bar)."""
    segments: tuple[Segment, ...]
    caption: tuple[str, ...]
    """Every segment's label and number, written under the bar, in lines that fit."""
    y: int = 0
    """Top of its label (or of the bar, without one)."""

    @property
    def bar_y(self) -> int:
        return self.y + (LABEL_HEIGHT if self.label else 0)

    @property
    def height(self) -> int:
        return self.bar_y - self.y + BAR_HEIGHT + LINE_HEIGHT * len(self.caption) + 6


@dataclass(frozen=True, slots=True)
class BarChart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    line_height: int = LINE_HEIGHT
    caption_size: int = CAPTION_SIZE

    @property
    def height(self) -> int:
        return self.bars[-1].y + self.bars[-1].height if self.bars else 0


def _stack(bars: list[Bar]) -> tuple[Bar, ...]:
    """The bars one under another, a gap between them."""
    placed, y = [], 0
    for bar in bars:
        placed.append(replace(bar, y=y))
        y += placed[-1].height + GAP
    return tuple(placed)


def _lines(parts: list[str], separator: str, width: int, size: int) -> tuple[str, ...]:
    """`parts` joined by `separator`, broken into lines no wider than `width` at `size`."""
    lines: list[str] = []
    for part in parts:
        joined = f"{lines[-1]}{separator}{part}" if lines else part
        if lines and len(joined) * size * CHAR_WIDTH <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class Area:
    label: str
    colour: str
    points: str
    """An SVG polygon's points."""


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """Partnerships by status at the end of each day, stacked, from the opening to today."""

    id: str
    title: str
    areas: tuple[Area, ...]
    ticks: tuple[Tick, ...]
    total: int
    deadline_x: float | None
    deadline_label: str
    legend: tuple[tuple[str, str], ...]
    """(label, colour) of each area, with the last day's number in the label."""
    changes: tuple[tuple[str, int, int, int], ...]
    """The days on which anything changed: (day, submitted, in progress, not started)."""
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    plot_width: int = PLOT_WIDTH
    plot_height: int = PLOT_HEIGHT
    width: int = WIDTH

    @property
    def height(self) -> int:
        return self.top + self.plot_height + 26 + 22 * len(self.legend)


@dataclass(frozen=True, slots=True)
class Charts:
    progress: BarChart
    timeline: Timeline | None
    """None while the round is a day old: there is no "over time" yet."""
    sections: BarChart


def build_charts(summary: Summary) -> Charts:
    w = Wording(summary)
    return Charts(progress_chart(summary, w), timeline(summary, w), sections_chart(summary, w))


def _bar(label: str, parts: list[tuple[str, int, str]], w: Wording) -> Bar:
    """A bar of (label, count, colour key) parts, each as long as its share of the total."""
    total = sum(count for _, count, _ in parts)
    segments, start = [], 0.0
    for text, count, key in parts:
        share = count / total if total else 0.0
        segments.append(Segment(text, count, COLOURS[key], INK.get(key, "#000000"), start, share))
        start += share
    caption = _lines(
        [w.s("chart.count", label=text, count=count) for text, count, _ in parts],
        w.s("chart.separator"),
        WIDTH,
        CAPTION_SIZE,
    )
    return Bar(label, tuple(segments), caption)


def _status_parts(w: Wording, counts: tuple[int, int, int]) -> list[tuple[str, int, str]]:
    order = (Status.SUBMITTED, Status.IN_PROGRESS, Status.NOT_STARTED)
    return [(w.status(s), n, s.value) for s, n in zip(order, counts, strict=True)]


def progress_chart(summary: Summary, w: Wording) -> BarChart:
    counts = (
        summary.count(Status.SUBMITTED),
        summary.count(Status.IN_PROGRESS),
        summary.count(Status.NOT_STARTED),
    )
    bar = _bar("", _status_parts(w, counts), w)
    return BarChart("chart-progress", w.s("chart.progress"), _stack([bar]))


def sections_chart(summary: Summary, w: Wording) -> BarChart:
    bars = []
    for section in summary.sections:
        kind = section.kind
        parts = []
        for value, count in section.split():
            key = "unanswered" if value is None else value or "nothing"
            parts.append((w.split_label(kind, value), count, key))
        bars.append(_bar(w.s("chart.section", number=section.number), parts, w))
    return BarChart("chart-sections", w.s("chart.sections"), _stack(bars))


def timeline(summary: Summary, w: Wording) -> Timeline | None:
    """Where the partnerships stood at the end of each day; None before a second day."""
    days = summary.timeline
    if len(days) < 2 or not summary.partnerships:
        return None
    total = len(summary.partnerships)
    step = PLOT_WIDTH / len(days)

    def y(value: float) -> float:
        return round(PLOT_TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / total, 1)

    def layer(low: list[int], high: list[int]) -> str:
        """A step-shaped band between two counts, one flat step per day."""
        upper, lower = [], []
        for i in range(len(days)):
            x0, x1 = round(PLOT_LEFT + i * step, 1), round(PLOT_LEFT + (i + 1) * step, 1)
            upper += [f"{x0},{y(high[i])}", f"{x1},{y(high[i])}"]
            lower += [f"{x0},{y(low[i])}", f"{x1},{y(low[i])}"]
        return " ".join(upper + lower[::-1])

    submitted = [d.submitted for d in days]
    started = [d.submitted + d.in_progress for d in days]
    layers = (
        (Status.SUBMITTED, [0] * len(days), submitted),
        (Status.IN_PROGRESS, submitted, started),
        (Status.NOT_STARTED, started, [total] * len(days)),
    )
    last = days[-1]
    latest = {
        Status.SUBMITTED: last.submitted,
        Status.IN_PROGRESS: last.in_progress,
        Status.NOT_STARTED: last.not_started,
    }
    areas = tuple(
        Area(w.status(status), COLOURS[status.value], layer(low, high))
        for status, low, high in layers
    )
    legend = tuple(
        (w.s("chart.count", label=w.status(status), count=latest[status]), COLOURS[status.value])
        for status, _, _ in layers
    )
    deadline_x = None
    if days[0].day <= summary.round.deadline <= days[-1].day:
        offset = (summary.round.deadline - days[0].day).days
        deadline_x = round(PLOT_LEFT + (offset + 0.5) * step, 1)
    ticks = (
        Tick(PLOT_LEFT, w.short_day(days[0].day), "start"),
        Tick(PLOT_LEFT + PLOT_WIDTH, w.short_day(days[-1].day), "end"),
    )
    return Timeline(
        "chart-timeline",
        w.s("chart.over_time"),
        areas,
        ticks,
        total,
        deadline_x,
        w.s("chart.deadline"),
        legend,
        _changes(days, w),
    )


def _changes(days: tuple[ProgressDay, ...], w: Wording) -> tuple[tuple[str, int, int, int], ...]:
    found: list[tuple[str, int, int, int]] = []
    before: tuple[int, int, int] | None = None
    for d in days:
        now = (d.submitted, d.in_progress, d.not_started)
        if now != before:
            found.append((w.day(d.day), *now))
        before = now
    return tuple(found)


def svg(chart: BarChart | Timeline) -> Markup:
    """The chart as an inline SVG element (text escaped by the template)."""
    name = "bars" if isinstance(chart, BarChart) else "timeline"
    return Markup(texts().render(f"reports/charts/{name}.svg.j2", chart=chart))  # noqa: S704


def dashboard_svg(summary: Summary) -> str:
    """Every chart in one standalone SVG picture, with the round's title above them."""
    w = Wording(summary)
    charts = build_charts(summary)
    shown = [c for c in (charts.progress, charts.timeline, charts.sections) if c is not None]
    return texts().render(
        "reports/charts/dashboard.svg.j2",
        w=w,
        summary=summary,
        title=_lines(w.round_title().split(), " ", WIDTH, TITLE_SIZE),
        charts=[(c, svg(c)) for c in shown],
        width=WIDTH,
    )


@cache
def _cairosvg() -> ModuleType:
    try:  # needs Debian's libcairo2: loaded only when a PNG is drawn
        return importlib.import_module("cairosvg")
    except OSError as exc:  # the Python package is there, the C library is not
        raise ChartsUnavailable(str(exc)) from exc


def dashboard_png(summary: Summary) -> bytes:
    """The charts as a PNG picture, for channels that show images (Telegram)."""
    svg_text = dashboard_svg(summary)
    png = _cairosvg().svg2png(bytestring=svg_text.encode("utf-8"), scale=PNG_SCALE)
    assert isinstance(png, bytes)
    return png
