"""smstatus: trustworthy, readable SageMaker training-job status histories.

Load histories from any source (:func:`load`), check them against the machine of legal edges
(:func:`validate`, :class:`StatusMachine`), measure where the time goes (:func:`durations`,
:func:`phase_table`, :func:`duration_stats`, :func:`bottlenecks`, :func:`variants`), plot them
(:func:`plot_gantt` and friends) and write the whole picture as one page (:func:`build_report`).

Note: the functions :func:`validate`, :func:`durations`, :func:`simulate`, :func:`collect` and
:func:`bottlenecks` share their names with the modules that define them: ``smstatus.validate``
(and ``import smstatus.validate as v``) is the function. Import the modules' other names with
``from smstatus.durations import ...``.
"""

from smstatus.bottlenecks import Bottlenecks, bottlenecks, variants
from smstatus.collect import Collection, CollectionSummary, collect
from smstatus.cost import job_costs, load_prices, phase_costs
from smstatus.durations import duration_stats, durations, phase_table
from smstatus.edges import missing_from_machine, never_seen, observed_edges
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
from smstatus.plotting import plot_bottlenecks, plot_durations, plot_gantt, plot_machine
from smstatus.records import SecondaryStatusTransition
from smstatus.report import Report, build_report
from smstatus.sample import load_sample, sample_path
from smstatus.simulate import simulate, simulate_with_truth
from smstatus.status import (
    DEPRECATED_STATUSES,
    INITIAL_STATUS,
    PRIMARY_OF,
    TERMINAL_STATUSES,
    PrimaryStatus,
    SecondaryStatus,
)
from smstatus.survival import km_stats
from smstatus.validate import Severity, ValidationReport, ViolationCode, validate

__version__ = "0.1.0"

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
    "Collection",
    "CollectionSummary",
    "Edge",
    "FetchError",
    "InputNotFoundError",
    "JobHistory",
    "MachineDefinitionError",
    "MissingDependencyError",
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
    "plot_bottlenecks",
    "plot_durations",
    "plot_gantt",
    "plot_machine",
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
