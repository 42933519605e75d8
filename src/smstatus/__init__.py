"""smstatus: trustworthy, readable SageMaker training-job status histories.

Load histories from any source (:func:`load`), check them against the machine of legal edges
(:class:`StatusMachine`), and measure where the time goes.
"""

from smstatus.errors import (
    InputNotFoundError,
    MachineDefinitionError,
    MissingDependencyError,
    ParseError,
    SmStatusError,
    ValidationError,
)
from smstatus.history import JobHistory
from smstatus.io import load
from smstatus.machine import EDGE_TABLE_V1, Basis, Edge, StatusMachine, default_machine
from smstatus.records import SecondaryStatusTransition
from smstatus.status import (
    DEPRECATED_STATUSES,
    INITIAL_STATUS,
    PRIMARY_OF,
    TERMINAL_STATUSES,
    PrimaryStatus,
    SecondaryStatus,
)

__version__ = "0.1.0"

__all__ = [
    "DEPRECATED_STATUSES",
    "EDGE_TABLE_V1",
    "INITIAL_STATUS",
    "PRIMARY_OF",
    "TERMINAL_STATUSES",
    "Basis",
    "Edge",
    "InputNotFoundError",
    "JobHistory",
    "MachineDefinitionError",
    "MissingDependencyError",
    "ParseError",
    "PrimaryStatus",
    "SecondaryStatus",
    "SecondaryStatusTransition",
    "SmStatusError",
    "StatusMachine",
    "ValidationError",
    "__version__",
    "default_machine",
    "load",
]
