"""Names for the kinds of value the public functions accept, written once.

:data:`TimeLike` is any one point in time; the history-level alias ``HistoryLike`` lives
beside :class:`~smstatus.history.JobHistory` (:mod:`smstatus.history`).
"""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import numpy as np
import pandas as pd

__all__ = ["TimeLike"]

TimeLike: TypeAlias = str | dt.datetime | pd.Timestamp | np.datetime64 | int | float
"""One point in time: an ISO-8601 string, a ``datetime``, a pandas ``Timestamp``, a numpy
``datetime64``, or epoch seconds or milliseconds (naive values are UTC)."""
