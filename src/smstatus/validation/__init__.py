"""Validation of status histories against the machine of legal edges.

:mod:`~smstatus.validation.checks` holds :func:`validate`, the vectorised checks;
:mod:`~smstatus.validation.report` the vocabulary of violations and :class:`ValidationReport`.
"""

from smstatus.validation.checks import validate
from smstatus.validation.report import (
    DEFAULT_SEVERITY,
    SEVERITY_ORDER,
    VIOLATION_COLUMNS,
    Severity,
    ValidationReport,
    ViolationCode,
)

__all__ = [
    "DEFAULT_SEVERITY",
    "SEVERITY_ORDER",
    "VIOLATION_COLUMNS",
    "Severity",
    "ValidationReport",
    "ViolationCode",
    "validate",
]
