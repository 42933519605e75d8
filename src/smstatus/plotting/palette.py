"""One fixed, colour-blind-safe colour per status, shared by every plot of the library.

The colours come from the Okabe-Ito and Paul Tol palettes. Every pair of the 17 colours stays
at least 10 CIELAB units apart under simulated protanopia, deuteranopia and tritanopia (the
tests check it). The phases where jobs lose time read warm (Starting orange, Pending yellow),
the work reads blue (Downloading sky blue, Training blue, Uploading green), the terminal
outcomes are dark (Completed green, Failed vermillion, Stopped dark grey, MaxRuntimeExceeded
black) and the deprecated statuses are pale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

__all__ = [
    "GROUP_COLORS",
    "OPEN_HATCH",
    "OTHER_COLOR",
    "STATUS_PALETTE",
    "UNKNOWN_STATUS_COLORS",
    "group_colors",
    "luminance",
    "status_color",
    "status_colors",
    "text_color",
]

STATUS_PALETTE: Mapping[str, str] = MappingProxyType(
    {
        "Starting": "#E69F00",  # Okabe-Ito orange
        "Pending": "#F0E442",  # Okabe-Ito yellow
        "LaunchingMLInstances": "#F3CD85",  # pale orange (deprecated)
        "PreparingTrainingStack": "#C7E9B4",  # pale green (deprecated)
        "Downloading": "#56B4E9",  # Okabe-Ito sky blue
        "DownloadingTrainingImage": "#A9D6F0",  # pale sky blue (deprecated)
        "Training": "#0072B2",  # Okabe-Ito blue
        "Updating": "#999933",  # Tol olive
        "Restarting": "#995500",  # dark orange, a shade of Starting
        "Interrupted": "#CC79A7",  # Okabe-Ito reddish purple
        "Uploading": "#009E73",  # Okabe-Ito bluish green
        "Stopping": "#BBBBBB",  # light grey
        "Stopped": "#555555",  # dark grey
        "MaxRuntimeExceeded": "#000000",  # black
        "MaxWaitTimeExceeded": "#661100",  # Tol dark brown
        "Completed": "#117733",  # Tol green
        "Failed": "#D55E00",  # Okabe-Ito vermillion
    }
)
"""The colour of each of the 17 secondary statuses (hex strings)."""

UNKNOWN_STATUS_COLORS: tuple[str, ...] = (
    "#332288",  # Tol indigo
    "#44AA99",  # Tol teal
    "#FFAABB",  # Tol pink
    "#EE8866",  # Tol light orange
    "#AA4499",  # Tol purple
    "#BBCC33",  # Tol pear
    "#88CCEE",  # Tol cyan
    "#DDDDDD",  # pale grey
)
"""Colours given, in turn, to statuses outside the vocabulary (AWS may add some)."""

OPEN_HATCH = "////"
"""The hatch of open entries (a running job's last status, measured up to ``as_of``)."""


GROUP_COLORS: tuple[str, ...] = (
    "#0072B2",  # Okabe-Ito blue
    "#E69F00",  # Okabe-Ito orange
    "#009E73",  # Okabe-Ito bluish green
    "#CC79A7",  # Okabe-Ito reddish purple
    "#56B4E9",  # Okabe-Ito sky blue
    "#D55E00",  # Okabe-Ito vermillion
    "#000000",  # black
    "#999933",  # Tol olive
)
"""Colours of the lines of groups of jobs (instance types...), in turn: the colour-blind-safe
Okabe-Ito colours, all dark enough to read as a thin line on white (no yellow)."""

OTHER_COLOR = "#999999"
"""The colour of the group that merges the small ones ("other")."""


def group_colors(groups: Iterable[str], *, other: str = "other") -> dict[str, str]:
    """Colour of each group, in the order given; ``other`` is grey.

    Examples
    --------
    >>> group_colors(["ml.p5.48xlarge", "other", "ml.g5.xlarge"])
    {'ml.p5.48xlarge': '#0072B2', 'other': '#999999', 'ml.g5.xlarge': '#E69F00'}
    """
    out: dict[str, str] = {}
    k = 0
    for group in groups:
        group = str(group)
        if group in out:
            continue
        if group == other:
            out[group] = OTHER_COLOR
        else:
            out[group] = GROUP_COLORS[k % len(GROUP_COLORS)]
            k += 1
    return out


def status_colors(statuses: Iterable[str]) -> dict[str, str]:
    """Colour of each status, in the order given.

    Known statuses get their fixed colour; unknown ones get :data:`UNKNOWN_STATUS_COLORS` in
    the order they first appear among the unknown ones (cycling when there are more).

    Examples
    --------
    >>> status_colors(["Training", "Queued"])
    {'Training': '#0072B2', 'Queued': '#332288'}
    """
    out: dict[str, str] = {}
    extra = 0
    for status in statuses:
        status = str(status)
        if status in out:
            continue
        color = STATUS_PALETTE.get(status)
        if color is None:
            color = UNKNOWN_STATUS_COLORS[extra % len(UNKNOWN_STATUS_COLORS)]
            extra += 1
        out[status] = color
    return out


def status_color(status: str) -> str:
    """Colour of one status (the first unknown colour for a status outside the vocabulary)."""
    return STATUS_PALETTE.get(str(status), UNKNOWN_STATUS_COLORS[0])


def luminance(color: str) -> float:
    """WCAG relative luminance of a colour (0 black, 1 white)."""
    from matplotlib.colors import to_rgb

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    return "black" if luminance(color) > 0.179 else "white"
