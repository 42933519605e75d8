"""What the plot functions share: the Axes, matplotlib feature switches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = [
    "get_ax",
    "group_labels",
    "horizontal",
    "measured_until",
    "note_title",
    "open_ends",
]


def get_ax(ax: Axes | None) -> Axes:
    """``ax``, or the current Axes (pyplot imported only then)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def horizontal() -> dict[str, Any]:
    """Keyword that lays boxes and violins horizontally in this matplotlib version."""
    import matplotlib

    major, minor = (int(p) for p in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def note_title(ax: Axes, parts: list[str]) -> None:
    """The small note above the plot (left): what is shown, and the ``as_of`` time used."""
    import textwrap

    from matplotlib.font_manager import FontProperties

    text = "; ".join(p for p in parts if p)
    if not text:
        return
    # wrap to the Axes' width (about 0.55 em per character)
    size = FontProperties(size="small").get_size_in_points()
    width_pt = ax.get_window_extent().width * 72.0 / ax.figure.dpi
    chars = max(int(width_pt / (0.55 * size)), 40)
    ax.set_title(
        "\n".join(textwrap.wrap(text, chars)), loc="left", fontsize="small", color="#333333"
    )


def group_labels(frame: Any, keys: list[str]) -> Any:
    """One readable label per row from the group columns ``keys`` (``"ml.g5.xlarge / spot"``).

    Booleans read as ``spot=True``; missing values as ``(missing)``.
    """
    import pandas as pd

    parts = []
    for key in keys:
        col = frame[key]
        text = col.astype(object).where(col.notna(), "(missing)").astype(str)
        if pd.api.types.is_bool_dtype(col.dtype) or set(col.dropna().unique()) <= {True, False}:
            text = text.where(col.isna(), f"{key}=" + text)
        parts.append(text)
    if not parts:
        return pd.Series("all jobs", index=frame.index)
    out = parts[0]
    for more in parts[1:]:
        out = out + " / " + more
    return out


def open_ends(measured: Any) -> Any:
    """The times the open (censored) entries of a :func:`smstatus.analysis.phases.durations` frame
    were measured up to, as a UTC datetime Series."""
    import pandas as pd

    open_rows = measured[measured["censored"].to_numpy(dtype=bool)]
    return open_rows["start_time"] + pd.to_timedelta(open_rows["duration_s"], unit="s")


def measured_until(
    as_of: Any, ends: Any = None, *, n_open: int = 2, fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    """Up to when open entries were measured, for a plot's note.

    ``as_of`` is the explicit time the analysis was given (its ``attrs["as_of"]``): then that
    time. ``None`` means each job's open entry was measured up to when that job was observed
    (its ``observed_at``): the note says so, with the time when ``ends`` (the open entries'
    measured ends, :func:`open_ends`) all read the same at ``fmt``'s precision.
    """
    import pandas as pd

    if as_of is not None and not pd.isna(as_of):
        return f"{pd.Timestamp(as_of):{fmt}} UTC"
    text = "when its job was observed" if n_open == 1 else "when each job was observed"
    if ends is None:
        return text
    shown = {f"{t:{fmt}}" for t in pd.Series(ends).dropna()}
    return f"{text} ({shown.pop()} UTC)" if len(shown) == 1 else text
