"""smstatus: trustworthy, readable SageMaker training-job status histories.

Load histories from any source (:func:`load`), check them against the machine of legal edges
(:func:`validate`, :class:`StatusMachine`), measure where the time goes (:func:`durations`,
:func:`phase_table`, :func:`duration_stats`, :func:`bottlenecks`, :func:`variants`, and over
calendar time :func:`phase_trend`), plot them
(:func:`plot_gantt` and friends) and write the whole picture as one page (:func:`build_report`).

The functions live in subpackages named by nouns (:mod:`smstatus.io`,
:mod:`smstatus.validation`, :mod:`smstatus.analysis`, :mod:`smstatus.plotting`,
:mod:`smstatus.report`, :mod:`smstatus.fetch`, :mod:`smstatus.simulation`); no module shares its
name with a function exported here, so ``smstatus.validate`` is the function and
``smstatus.validation`` the package that defines it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers and readers; at run time see __getattr__
    __version__: str
    from smstatus.analysis.cost import job_costs, load_prices, phase_costs
    from smstatus.analysis.edges import missing_from_machine, never_seen, observed_edges
    from smstatus.analysis.hotspots import Bottlenecks, bottlenecks, variants
    from smstatus.analysis.phases import duration_stats, durations, phase_table
    from smstatus.analysis.survival import km_stats
    from smstatus.analysis.trend import phase_trend
    from smstatus.errors import (
        CacheLockedError,
        FetchError,
        InputNotFoundError,
        MachineDefinitionError,
        MissingDependencyError,
        ParseError,
        SmStatusError,
        ValidationError,
    )
    from smstatus.fetch.collector import Collection, CollectionSummary, collect
    from smstatus.fetch.options import ClientOptions, JobFilter, Pacing
    from smstatus.history import JobHistory
    from smstatus.io import load
    from smstatus.io.describe import to_describe_records, write_describe_jsonl
    from smstatus.io.table import read_table, write_table
    from smstatus.machine import (
        EDGE_TABLE,
        EDGE_TABLE_V1,
        EDGE_TABLE_VERSION,
        Basis,
        Edge,
        StatusMachine,
        default_machine,
    )
    from smstatus.plotting import (
        plot_bottlenecks,
        plot_durations,
        plot_gantt,
        plot_machine,
        plot_trend,
    )
    from smstatus.records import SecondaryStatusTransition
    from smstatus.report import Report, build_report
    from smstatus.simulation.sample import load_sample, sample_path
    from smstatus.simulation.simulator import simulate, simulate_with_truth
    from smstatus.status import (
        DEPRECATED_STATUSES,
        INITIAL_STATUS,
        PRIMARY_OF,
        TERMINAL_STATUSES,
        PrimaryStatus,
        SecondaryStatus,
    )
    from smstatus.validation import Severity, ValidationReport, ViolationCode, validate

_EXPORTS: dict[str, tuple[str, ...]] = {
    "smstatus.analysis.cost": ("job_costs", "load_prices", "phase_costs"),
    "smstatus.analysis.edges": ("missing_from_machine", "never_seen", "observed_edges"),
    "smstatus.analysis.hotspots": ("Bottlenecks", "bottlenecks", "variants"),
    "smstatus.analysis.phases": ("duration_stats", "durations", "phase_table"),
    "smstatus.analysis.survival": ("km_stats",),
    "smstatus.analysis.trend": ("phase_trend",),
    "smstatus.errors": (
        "CacheLockedError",
        "FetchError",
        "InputNotFoundError",
        "MachineDefinitionError",
        "MissingDependencyError",
        "ParseError",
        "SmStatusError",
        "ValidationError",
    ),
    "smstatus.fetch.collector": ("Collection", "CollectionSummary", "collect"),
    "smstatus.fetch.options": ("ClientOptions", "JobFilter", "Pacing"),
    "smstatus.history": ("JobHistory",),
    "smstatus.io": ("load",),
    "smstatus.io.describe": ("to_describe_records", "write_describe_jsonl"),
    "smstatus.io.table": ("read_table", "write_table"),
    "smstatus.machine": (
        "EDGE_TABLE",
        "EDGE_TABLE_V1",
        "EDGE_TABLE_VERSION",
        "Basis",
        "Edge",
        "StatusMachine",
        "default_machine",
    ),
    "smstatus.plotting": (
        "plot_bottlenecks",
        "plot_durations",
        "plot_gantt",
        "plot_machine",
        "plot_trend",
    ),
    "smstatus.records": ("SecondaryStatusTransition",),
    "smstatus.report": ("Report", "build_report"),
    "smstatus.simulation.sample": ("load_sample", "sample_path"),
    "smstatus.simulation.simulator": ("simulate", "simulate_with_truth"),
    "smstatus.status": (
        "DEPRECATED_STATUSES",
        "INITIAL_STATUS",
        "PRIMARY_OF",
        "TERMINAL_STATUSES",
        "PrimaryStatus",
        "SecondaryStatus",
    ),
    "smstatus.validation": ("Severity", "ValidationReport", "ViolationCode", "validate"),
}
"""Module of each public name. They are imported on first use, so that ``import smstatus``
(and the command line, which needs only a few of them) does not pay for pandas' plotting,
the simulator, fetching or the report before it needs them."""

_MODULE_OF: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "DEPRECATED_STATUSES",
    "EDGE_TABLE",
    "EDGE_TABLE_V1",
    "EDGE_TABLE_VERSION",
    "INITIAL_STATUS",
    "PRIMARY_OF",
    "TERMINAL_STATUSES",
    "Basis",
    "Bottlenecks",
    "CacheLockedError",
    "ClientOptions",
    "Collection",
    "CollectionSummary",
    "Edge",
    "FetchError",
    "InputNotFoundError",
    "JobFilter",
    "JobHistory",
    "MachineDefinitionError",
    "MissingDependencyError",
    "Pacing",
    "ParseError",
    "PrimaryStatus",
    "Report",
    "SecondaryStatus",
    "SecondaryStatusTransition",
    "Severity",
    "SmStatusError",
    "StatusMachine",
    "ValidationError",
    "ValidationReport",
    "ViolationCode",
    "__version__",
    "bottlenecks",
    "build_report",
    "collect",
    "default_machine",
    "duration_stats",
    "durations",
    "job_costs",
    "km_stats",
    "load",
    "load_prices",
    "load_sample",
    "missing_from_machine",
    "never_seen",
    "observed_edges",
    "phase_costs",
    "phase_table",
    "phase_trend",
    "plot_bottlenecks",
    "plot_durations",
    "plot_gantt",
    "plot_machine",
    "plot_trend",
    "read_table",
    "sample_path",
    "simulate",
    "simulate_with_truth",
    "to_describe_records",
    "validate",
    "variants",
    "write_describe_jsonl",
    "write_table",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then kept in the package)."""
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("smstatus")
    elif name in _MODULE_OF:
        value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    else:  # a subpackage or module (smstatus.validation) reads as the eager import made it
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
