"""The bulletin's charts, drawn on the server with matplotlib (Agg: no display) as PNG images, in the CJK font the
self-assessment PDF uses (reporting.assessments.exports: WenQuanYi Zen Hei first, Noto Sans CJK second)."""

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from reporting.assessments.exports import _font  # noqa: E402  the portal's one CJK font choice

RED = "#c00000"
DPI = 150


@lru_cache(maxsize=4)
def _properties(path: str) -> font_manager.FontProperties:
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path)


def _figure(width=6.3, height=3.2):
    figure = Figure(figsize=(width, height), dpi=DPI)  # no pyplot: no global state shared between threads
    return figure, figure.add_subplot()


def _png(figure) -> bytes:
    out = io.BytesIO()
    figure.tight_layout()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def completion_bars(areas: list[dict], *, title: str) -> bytes | None:
    """Completion rate per area (as ranked), one bar each, the rate printed above it."""
    shown = [a for a in areas if a["completion"] is not None]
    if not shown:
        return None
    font = _properties(_font()[0])
    figure, ax = _figure()
    names = [a["name"] for a in shown]
    values = [a["completion"] for a in shown]
    bars = ax.bar(range(len(values)), values, color=RED)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(
        names, fontproperties=font, rotation=45 if len(names) > 6 else 0, ha="right", rotation_mode="anchor", fontsize=8
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("%", fontproperties=font)
    ax.set_title(title, fontproperties=font, fontsize=11)
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, value + 1, f"{value:.1f}", ha="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def trend_line(trend: list[dict], *, title: str) -> bytes | None:
    """The scope's completion rate on each day of the range that has figures."""
    points = [t for t in trend if t["completion"] is not None]
    if not points:
        return None
    font = _properties(_font()[0])
    figure, ax = _figure(height=2.8)
    ax.plot(range(len(points)), [p["completion"] for p in points], color=RED, marker="o", markersize=3)
    ax.set_ylim(0, 100)
    ax.set_ylabel("%", fontproperties=font)
    ax.set_title(title, fontproperties=font, fontsize=11)
    step = max(1, len(points) // 10)
    ax.set_xticks(range(0, len(points), step))
    ax.set_xticklabels([p["day"][5:] for p in points][::step], fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)
