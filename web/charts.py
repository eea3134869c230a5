"""The dashboard's charts, drawn on the server as SVG images by matplotlib."""

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

BAR_COLOUR = "#0172ad"  # Pico's primary blue: 4.5:1 on white
WIDTH_INCHES = 7
matplotlib.rcParams.update(
    {
        "svg.hashsalt": "clea",  # the same data gives the same file
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _svg(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


# Drawing takes tens of milliseconds: the same figures give the same image, kept.
CACHED_CHARTS = 64


@lru_cache(maxsize=CACHED_CHARTS)
def columns(labels: tuple[str, ...], values: tuple[float, ...], unit: str) -> bytes:
    """Vertical bars, one per label (weeks), each with its value above it."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 3))
    bars = axes.bar(range(len(values)), values, color=BAR_COLOUR)
    axes.bar_label(bars, fmt="%g")
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_ylabel(unit)
    axes.set_ylim(0, max(1, *values) * 1.15)  # room for the labels; no negative axis at 0
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


@lru_cache(maxsize=CACHED_CHARTS)
def bars(labels: tuple[str, ...], values: tuple[float, ...], unit: str) -> bytes:
    """Horizontal bars, the first label on top, each with its value at its end."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 0.45 * len(labels) + 0.8))
    rows = list(reversed(range(len(values))))
    drawn = axes.barh(rows, values, color=BAR_COLOUR)
    axes.bar_label(drawn, fmt="%g", padding=3)
    axes.set_yticks(rows, labels)
    axes.set_xlabel(unit)
    axes.set_xlim(0, max(1, *values) * 1.1)
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)
