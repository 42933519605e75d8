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

from importlib.metadata import version as _version

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

__version__ = _version("smstatus")

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
