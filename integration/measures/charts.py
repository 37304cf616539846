"""A measure over time as inline SVG geometry: totals, severity bands, dosing sessions on the time axis,
and the course (response, remission) in words. Pure: the view passes what it loaded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..clients.record import Tick
from .instruments import Course, Definition, course

# Band fills from calm to urgent (light enough for dark text and for print); a band's words are drawn
# beside it, so colour is never the only sign.
BAND_FILLS = ("#e3f1ea", "#eef3d9", "#fbeed0", "#f9dcc6", "#f4c7c4")


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    total: int
    day: date
    band: str
    session: int | None  # the dosing session it was taken before


@dataclass(frozen=True)
class BandArea:
    y: float
    height: float
    low: int
    high: int
    label: str
    fill: str


@dataclass(frozen=True)
class SessionMark:
    x: float
    number: int
    day: date


@dataclass(frozen=True)
class MeasureChart:
    key: str
    name: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    bands: list[BandArea]
    sessions: list[SessionMark]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    course: Course
    title: str
    desc: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom


def _fills(count: int) -> list[str]:
    """`count` fills spread over the calm-to-urgent ramp (two bands: calm and urgent)."""
    if count <= 1:
        return list(BAND_FILLS[:count])
    step = (len(BAND_FILLS) - 1) / (count - 1)
    return [BAND_FILLS[round(i * step)] for i in range(count)]


def measure_chart(definition: Definition, responses: list, sessions: list[tuple[int, date]],
                  width: int = 720, height: int = 280) -> MeasureChart:
    """Responses (oldest first, each with .taken_on, .total, .band, .dosing_session) and sessions
    ((number, local day)) on one time axis; sessions outside the responses' span widen it by at most
    their own days so every marker is drawn."""
    left, right, top, bottom = 44, 150, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    days = [r.taken_on for r in responses] + [day for _, day in sessions]
    start, end = (min(days), max(days)) if days else (date.today(), date.today())
    span = max((end - start).days, 1)
    low, high = definition.min_total, max(definition.max_total, 1)

    def x_of(day: date) -> float:
        if (end - start).days == 0:
            return round(left + plot_w / 2, 1)
        return round(left + plot_w * (day - start).days / span, 1)

    def y_of(total: float) -> float:
        return round(top + plot_h * (high - total) / (high - low), 1)

    bands = []
    for (band_low, band_high, band), fill in zip(definition.band_ranges(), _fills(len(definition.bands))):
        y_top, y_bottom = y_of(min(band_high + 1, high) if band_high < high else high), y_of(band_low)
        bands.append(BandArea(y_top, round(y_bottom - y_top, 1), band_low, band_high, band.label, fill))
    points = [ChartPoint(x_of(r.taken_on), y_of(r.total), r.total, r.taken_on, r.band,
                         r.dosing_session.number if r.dosing_session is not None else None) for r in responses]
    marks = [SessionMark(x_of(day), number, day) for number, day in sessions]
    with_year = start.year != end.year
    fmt = "%b %-d, %Y" if with_year else "%b %-d"
    steps = min(4, (end - start).days)
    x_ticks = ([Tick(x_of(start), start.strftime(fmt))] if steps == 0 else
               [Tick(x_of(d), d.strftime(fmt)) for d in
                sorted({start + timedelta(days=round((end - start).days * i / steps)) for i in range(steps + 1)})])
    y_values = sorted({low, high} | {b.low for b in definition.bands})
    y_ticks = [Tick(y_of(v), str(v)) for v in y_values]
    the_course = course(definition, [r.total for r in responses])
    return MeasureChart(definition.key, definition.name, width, height, left, right, top, bottom, points, bands,
                        marks, x_ticks, y_ticks, the_course, f"{definition.name} over time",
                        describe(definition, responses, sessions, the_course))


def describe(definition: Definition, responses: list, sessions: list[tuple[int, date]], the_course: Course) -> str:
    """What a screen reader hears for the chart (the table beside it has every number)."""
    if not responses:
        return f"No {definition.name} scores yet."
    first, last = responses[0], responses[-1]
    text = (f"{len(responses)} {definition.name} score{'s' if len(responses) != 1 else ''} from "
            f"{first.taken_on:%b %-d, %Y} to {last.taken_on:%b %-d, %Y}, on a scale of {definition.min_total} to "
            f"{definition.max_total}. Latest {last.total}" + (f", {last.band.lower()}" if last.band else "") + ". ")
    if sessions:
        text += f"{len(sessions)} dosing session{'s' if len(sessions) != 1 else ''} marked. "
    return text + " ".join(the_course.words[1:] if len(responses) > 1 else [])
