"""Plots of status histories (matplotlib): Gantt charts, duration distributions, bottlenecks,
waits over calendar time and the machine of legal edges.

Every function takes ``ax=None`` (the current Axes), returns the Axes, never calls
``plt.show()`` and colours statuses with the one palette of :mod:`smstatus.plotting.palette`.
"""

from smstatus.plotting.distributions import plot_durations
from smstatus.plotting.gantt import gantt_figsize, plot_gantt
from smstatus.plotting.hotspots import plot_bottlenecks
from smstatus.plotting.machine import plot_machine
from smstatus.plotting.palette import STATUS_PALETTE, status_color, status_colors
from smstatus.plotting.trend import plot_trend

__all__ = [
    "STATUS_PALETTE",
    "gantt_figsize",
    "plot_bottlenecks",
    "plot_durations",
    "plot_gantt",
    "plot_machine",
    "plot_trend",
    "status_color",
    "status_colors",
]
