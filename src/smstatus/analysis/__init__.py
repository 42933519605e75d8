"""Where the time goes: measures computed from a :class:`~smstatus.history.JobHistory`.

One module per measure: :mod:`~smstatus.analysis.phases` (entry durations with censoring, the
phase table, statistics by group; the entry kernel the other modules share),
:mod:`~smstatus.analysis.groups` (the ``by=`` groups of jobs),
:mod:`~smstatus.analysis.survival` (Kaplan-Meier estimates),
:mod:`~smstatus.analysis.hotspots` (bottleneck phases and variants),
:mod:`~smstatus.analysis.edges` (observed edges against the machine),
:mod:`~smstatus.analysis.cost` (prices, cost per job and phase) and
:mod:`~smstatus.analysis.trend` (waits over calendar time). Their public functions are exported
by :mod:`smstatus`.
"""
