"""Geometry of the radar chart of an assessment, drawn as SVG by the template.

Server-side so the chart needs no script (the portal's Content-Security-Policy allows
none inline) and reads the same with JavaScript off; the table beside it carries the
same figures for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SIZE = 340
CENTRE = SIZE / 2
RADIUS = 120
RINGS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Axis:
    label: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str


@dataclass(frozen=True)
class Radar:
    size: int
    axes: list[Axis]
    rings: list[str]  # polygon point lists
    current: str
    previous: str | None
    dots: list[tuple[float, float]]


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count  # first axis points up
    return (
        round(CENTRE + RADIUS * fraction * math.cos(angle), 1),
        round(CENTRE + RADIUS * fraction * math.sin(angle), 1),
    )


def _polygon(fractions: list[float]) -> str:
    count = len(fractions)
    return " ".join(f"{x},{y}" for x, y in (_point(i, count, f) for i, f in enumerate(fractions)))


def radar(labels: list[str], current: list[float], previous: list[float] | None = None) -> Radar:
    """``current``/``previous``: each dimension's score as a fraction (0-1) of its weight."""
    count = len(labels)
    axes = []
    for i, label in enumerate(labels):
        x, y = _point(i, count, 1.0)
        lx, ly = _point(i, count, 1.18)
        anchor = "middle" if abs(lx - CENTRE) < 5 else ("start" if lx > CENTRE else "end")
        axes.append(Axis(label, x, y, lx, ly + (4 if ly > CENTRE else 0), anchor))
    clamp = [min(max(f, 0.0), 1.0) for f in current]
    return Radar(
        size=SIZE,
        axes=axes,
        rings=[_polygon([ring] * count) for ring in RINGS],
        current=_polygon(clamp),
        previous=_polygon([min(max(f, 0.0), 1.0) for f in previous]) if previous else None,
        dots=[_point(i, count, f) for i, f in enumerate(clamp)],
    )
