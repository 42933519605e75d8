"""``JobHistory``: the ``jobs`` and ``transitions`` frames of many training jobs.

No per-job Python objects: a history is two tidy DataFrames whose schemas are checked here
(``docs/data-model.md`` describes them), plus the frame of input records that could not be
loaded (``unparsed``).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeAlias, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from smstatus.errors import ParseError, SmStatusError
from smstatus.records import SecondaryStatusTransition
from smstatus.status import SecondaryStatus
from smstatus.timestamps import NAT_NS, utc_ns

__all__ = [
    "ENGINE_PROTOCOL",
    "JOBS_SCHEMA",
    "TRANSITIONS_REQUIRED",
    "TRANSITIONS_SCHEMA",
    "UNPARSED_SCHEMA",
    "WARM_START_MESSAGE",
    "HistoryLike",
    "JobHistory",
    "as_history",
    "concat_histories",
    "dispatch_to_engine",
    "fill_observed_at",
    "fill_warm_start",
    "is_transitions_frame",
    "status_categorical",
    "string_categories_dtype",
    "warm_starts",
]

UTC = "datetime64[ns, UTC]"
STRING = pd.StringDtype("pyarrow")

TRANSITIONS_SCHEMA: Mapping[str, Any] = {
    "job_name": "category",
    "step": "int32",
    "status": "category",
    "start_time": UTC,
    "end_time": UTC,
    "status_message": STRING,
}
"""Columns and dtypes of :attr:`JobHistory.transitions`, in order."""

JOBS_SCHEMA: Mapping[str, Any] = {
    "job_name": STRING,
    "training_job_status": "category",
    "secondary_status": "category",
    "failure_reason": STRING,
    "creation_time": UTC,
    "training_start_time": UTC,
    "training_end_time": UTC,
    "last_modified_time": UTC,
    "instance_type": "category",
    "instance_count": "Int64",
    "spot": "boolean",
    "max_runtime_s": "Int64",
    "max_wait_s": "Int64",
    "training_time_s": "Int64",
    "billable_time_s": "Int64",
    "warm_pool_status": "category",
    "tuning_job_arn": STRING,
    "source": "category",
    "observed_at": UTC,
    "warm_start": "boolean",
}
"""Columns and dtypes of :attr:`JobHistory.jobs`, in order.

``observed_at`` is when the job's history was observed: the time the fetch cache recorded
(or the ``Date`` of the describe response), the EventBridge event's ``time``, the last poll of
an SDK log, else the job's own latest timestamp. It is never before the job's latest
timestamp (a clock a second behind the data is corrected up to it). Open entries of a
running job are measured up to it.

``warm_start`` says whether the job started on the instances of a warm pool another job
kept (see :func:`warm_starts`): derived from the entries' messages wherever a loader or a
table leaves it missing.
"""

WARM_START_MESSAGE = "Found matching resource for reuse"
"""The ``StatusMessage`` of the ``Starting`` entry of a job that reused a warm pool."""

JOB_TIME_COLUMNS: tuple[str, ...] = (
    "creation_time",
    "training_start_time",
    "training_end_time",
    "last_modified_time",
)
"""The time columns of the jobs frame that say when a job was seen (``observed_at`` aside)."""

UNPARSED_SCHEMA: Mapping[str, Any] = {
    "file": STRING,
    "line": "Int64",
    "field": STRING,
    "reason": STRING,
}
"""Columns of :attr:`JobHistory.unparsed`: every input record that could not be loaded."""

KNOWN_STATUSES: tuple[str, ...] = tuple(s.value for s in SecondaryStatus)


def status_categorical(values: Any) -> pd.Categorical:
    """Categorical of statuses: the 17 known ones in lifecycle order, then unknown values kept
    as their own categories (in order of first appearance)."""
    if isinstance(values, pd.Categorical | pd.Series) and isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    ):
        cats = list(values.cat.categories if isinstance(values, pd.Series) else values.categories)
    else:
        cats = list(pd.unique(pd.Series(values, dtype=object).dropna()))
    extra = [str(c) for c in cats if c not in KNOWN_STATUSES]
    return pd.Categorical(
        pd.Series(values, dtype=object).astype(object), categories=[*KNOWN_STATUSES, *extra]
    )


def _recode(names: pd.Series, order: pd.Index) -> pd.Categorical:
    """``names`` as a categorical whose categories are ``order`` (codes remapped, no strings
    compared per row when ``names`` is already categorical)."""
    if isinstance(names.dtype, pd.CategoricalDtype):
        original = names.cat.categories
        cats = pd.Index(original.astype(object), dtype=object)
        if original.dtype == order.dtype and cats.equals(order):
            return names.array
        mapping = order.get_indexer(cats)
        codes = names.cat.codes.to_numpy()
        new = np.where(codes >= 0, mapping[codes], -1)
        return pd.Categorical.from_codes(new, categories=order)
    return pd.Categorical(names.astype(object), categories=order)


def string_categories_dtype() -> Any:
    """The dtype of the categories of every categorical column: the dtype pandas gives a list
    of strings (``object`` on pandas 2, ``str`` on pandas 3), so frames built by any loader
    equal those a user builds with ``astype("category")``."""
    return pd.Index(["x"]).dtype


def _normalise_categories(frame: pd.DataFrame, schema: Mapping[str, Any]) -> None:
    """Give the categorical columns of ``frame`` categories of :func:`string_categories_dtype`
    (in place; codes kept, no value compared)."""
    target = string_categories_dtype()
    for col, dtype in schema.items():
        if dtype != "category" or col not in frame.columns:
            continue
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            if values.cat.categories.dtype == target:
                continue
        else:
            values = values.astype("category")
        cats = values.cat.categories
        if cats.dtype != target:
            cats = pd.Index(cats.astype(str) if cats.dtype == object else cats, dtype=target)
        frame[col] = pd.Categorical.from_codes(
            values.cat.codes.to_numpy(),
            dtype=pd.CategoricalDtype(cats, ordered=values.cat.ordered),
        )


def _large_text(values: Any) -> pa.ChunkedArray:
    array = pa.array(values)  # Arrow-backed text: no copy
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    return array.cast(pa.large_string())


def _rows_of(categories: pd.Index, job_names: pd.Series) -> np.ndarray:
    """Position of each job name among ``categories`` (-1 when absent); no name is hashed when
    both hold the same names in the same order, as every history built by a loader does."""
    if len(categories) == len(job_names):
        try:
            same = _large_text(categories.array).equals(_large_text(job_names.array))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
            same = False  # names that are not all text: compared one by one below
        if same:
            return np.arange(len(categories))
    return categories.get_indexer(pd.Index(job_names.astype(object)))


def fill_observed_at(jobs: pd.DataFrame, transitions: pd.DataFrame) -> None:
    """Fill and bound ``jobs.observed_at`` in place (vectorised over the entries).

    Each job's latest timestamp (its entries' start and end times and its job time columns)
    replaces a missing ``observed_at`` and raises one that lies before it.
    """
    latest = np.full(len(jobs), NAT_NS, dtype=np.int64)
    for col in JOB_TIME_COLUMNS:
        np.maximum(latest, utc_ns(jobs[col]), out=latest)
    if len(transitions) and len(jobs):
        names = transitions["job_name"]
        codes = names.cat.codes.to_numpy().astype(np.int64)
        per_code = np.full(len(names.cat.categories), NAT_NS, dtype=np.int64)
        ok = codes >= 0
        every = bool(ok.all())  # every entry names a job: no copies through the mask
        for col in ("start_time", "end_time"):
            values = utc_ns(transitions[col])
            if every:
                np.maximum.at(per_code, codes, values)
            else:
                np.maximum.at(per_code, codes[ok], values[ok])
        row_code = _rows_of(names.cat.categories, jobs["job_name"])
        has = row_code >= 0
        if has.all():
            np.maximum(latest, per_code[row_code], out=latest)
        else:
            latest[has] = np.maximum(latest[has], per_code[row_code[has]])
    observed = utc_ns(jobs["observed_at"])
    filled = np.maximum(observed, latest)  # NaT is the smallest int64
    if not np.array_equal(filled, observed):
        jobs["observed_at"] = pd.DatetimeIndex(filled.view("datetime64[ns]")).tz_localize("UTC")


def warm_starts(job_names: pd.Series, transitions: pd.DataFrame) -> pd.arrays.BooleanArray:
    """Whether each job reused a warm pool, from its entries (vectorised over them).

    ``True`` when an entry's message holds :data:`WARM_START_MESSAGE` (SageMaker writes it on
    the ``Starting`` entry of a job that found a kept pool); ``False`` when none does and a
    ``Starting`` entry carries a message (where the evidence would be); ``<NA>`` when the job
    has no ``Starting`` entry with a message (an empty history, a log that begins later, a
    table without messages): the history cannot tell.

    ``WarmPoolStatus`` never decides it: its ``Status`` is the fate of the pool *this* job
    kept (``InUse`` while it runs, whether or not it reused one), and ``ReusedByJob`` names
    the job that took this job's pool, which is evidence about another job. A job is judged
    by its own history only, so a subset of the jobs gives the same answer as the whole.

    Parameters
    ----------
    job_names
        The ``job_name`` column of a jobs frame (one result per row; a name listed twice gets
        the evidence of all its entries).
    transitions
        The entries (``job_name`` categorical, ``status``, ``status_message``).
    """
    n = len(job_names)
    reused = np.zeros(n, dtype=bool)
    known = np.zeros(n, dtype=bool)
    if len(transitions) and n:
        names = transitions["job_name"]
        if not isinstance(names.dtype, pd.CategoricalDtype):
            names = names.astype(object).astype("category")
        codes = names.cat.codes.to_numpy().astype(np.int64)
        n_codes = len(names.cat.categories)
        messages = transitions["status_message"]
        if not isinstance(messages.dtype, pd.StringDtype):
            messages = messages.astype(STRING)
        says = messages.str.contains(WARM_START_MESSAGE, regex=False).to_numpy(
            dtype=bool, na_value=False
        )
        status = transitions["status"]
        if isinstance(status.dtype, pd.CategoricalDtype):
            starting_code = status.cat.categories.get_indexer(["Starting"])[0]  # type: ignore[arg-type]
            starting = status.cat.codes.to_numpy() == starting_code if starting_code >= 0 else None
        else:
            starting = status.astype(object).to_numpy() == "Starting"
        has_message = (messages.str.len() > 0).to_numpy(dtype=bool, na_value=False)
        ok = codes >= 0
        per_reused = np.bincount(codes[ok & says], minlength=n_codes) > 0
        per_known = (
            np.bincount(codes[ok & starting & has_message], minlength=n_codes) > 0
            if starting is not None
            else np.zeros(n_codes, dtype=bool)
        )
        row = _rows_of(names.cat.categories, job_names)
        has = row >= 0
        reused[has] = per_reused[row[has]]
        known[has] = per_known[row[has]]
    return pd.arrays.BooleanArray(reused, ~(reused | known))


def fill_warm_start(jobs: pd.DataFrame, transitions: pd.DataFrame) -> None:
    """Fill the missing values of ``jobs.warm_start`` from the entries (in place): a value
    given (a table's column) is kept; see :func:`warm_starts` for the rule."""
    current = jobs["warm_start"] if "warm_start" in jobs.columns else None
    if current is not None and not current.isna().any():
        return
    derived = warm_starts(jobs["job_name"], transitions)
    if current is None:
        jobs["warm_start"] = derived
    else:
        filled = current.array.copy()
        missing = np.asarray(filled.isna())
        filled[missing] = derived[missing]
        jobs["warm_start"] = filled


def _empty(schema: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in schema.items()})


def _coerce(frame: pd.DataFrame, schema: Mapping[str, Any], what: str) -> pd.DataFrame:
    missing = [c for c in schema if c not in frame.columns]
    required = ("job_name",) if what == "jobs" else tuple(schema)
    if what == "transitions":
        required = ("job_name", "step", "status", "start_time")
    absent = [c for c in missing if c in required]
    if absent:
        raise SmStatusError(
            f"the {what} frame lacks the column(s) {absent}; it needs {list(schema)}"
        )
    out = {}
    for col, dtype in schema.items():
        if col not in frame.columns:
            out[col] = pd.Series(
                pd.NaT if dtype == UTC else None,
                index=frame.index,
                dtype=dtype if dtype != "category" else object,
            ).astype(dtype)
            continue
        col_values = frame[col]
        if col == "status":
            if not (
                isinstance(col_values.dtype, pd.CategoricalDtype)
                and list(col_values.cat.categories[: len(KNOWN_STATUSES)]) == list(KNOWN_STATUSES)
            ):
                col_values = pd.Series(status_categorical(col_values), index=frame.index)
        elif dtype == UTC:
            if str(col_values.dtype) != UTC:
                from smstatus.timestamps import parse_timestamps

                parsed, bad = parse_timestamps(col_values)
                if bad.any():
                    first = int(np.flatnonzero(bad)[0])
                    raise ParseError(
                        f"column {col!r} of the {what} frame holds {col_values.iloc[first]!r} "
                        f"at row {first}, which is not a timestamp",
                        field=col,
                    )
                col_values = pd.Series(parsed, index=frame.index)
        elif str(col_values.dtype) != str(dtype):
            col_values = col_values.astype(dtype)
        out[col] = col_values
    result = pd.DataFrame(out)
    return result.reset_index(drop=True)


def _concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames of one schema column by column (categories: union, in order)."""
    cols: dict[str, Any] = {}
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            categories = pd.unique(
                np.concatenate([np.asarray(p.cat.categories, dtype=object) for p in parts])
            )
            values = np.concatenate([p.astype(object).to_numpy() for p in parts])
            cols[col] = pd.Categorical(values, categories=categories)
        else:
            cols[col] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(cols)


def concat_histories(parts: Sequence[JobHistory]) -> JobHistory:
    """Put histories together in order (jobs, entries and rejects), duplicates kept."""
    parts = list(parts)
    if not parts:
        return JobHistory.empty()
    if len(parts) == 1:
        return parts[0]
    jobs = _concat_frames([p.jobs for p in parts])
    transitions = _concat_frames(
        [p.transitions.assign(job_name=p.transitions["job_name"].astype(object)) for p in parts]
    )
    rejects = [p.unparsed for p in parts if len(p.unparsed)]
    unparsed = _concat_frames(rejects) if rejects else None
    return JobHistory(jobs, transitions, unparsed=unparsed)


class JobHistory:
    """The status histories of many training jobs.

    Parameters
    ----------
    jobs
        One row per job (jobs with an empty history included); see :data:`JOBS_SCHEMA`.
    transitions
        One row per status entry, in the order given; see :data:`TRANSITIONS_SCHEMA`.
    unparsed
        Input records that could not be loaded: ``file, line, field, reason``.

    Notes
    -----
    Jobs named in ``transitions`` but not in ``jobs`` get a row of their own; the categories of
    ``transitions.job_name`` follow the order of ``jobs.job_name``. Rows are never re-sorted.
    """

    __slots__ = ("jobs", "transitions", "unparsed")

    def __init__(
        self,
        jobs: pd.DataFrame | None,
        transitions: pd.DataFrame,
        *,
        unparsed: pd.DataFrame | None = None,
        check: bool = True,
    ) -> None:
        if check:
            transitions = _coerce(transitions, TRANSITIONS_SCHEMA, "transitions")
            if jobs is None:
                jobs = pd.DataFrame({"job_name": pd.unique(transitions["job_name"].astype(str))})
            jobs = _coerce(jobs, JOBS_SCHEMA, "jobs")
            names = transitions["job_name"]
            named = (
                names.cat.categories[np.unique(names.cat.codes[names.cat.codes >= 0])]
                if isinstance(names.dtype, pd.CategoricalDtype)
                else pd.Index(pd.unique(names.astype(object)))
            )
            named = pd.Index(named.astype(object))
            extra = named[~named.isin(jobs["job_name"].astype(object))]
            if len(extra):
                jobs = pd.concat(
                    [jobs, _coerce(pd.DataFrame({"job_name": list(extra)}), JOBS_SCHEMA, "jobs")],
                    ignore_index=True,
                )
            order = pd.Index(pd.unique(jobs["job_name"].astype(object)), dtype=object)
            transitions["job_name"] = _recode(names, order)
            unparsed = _coerce(
                unparsed if unparsed is not None else _empty(UNPARSED_SCHEMA),
                UNPARSED_SCHEMA,
                "unparsed",
            )
            fill_observed_at(jobs, transitions)
            fill_warm_start(jobs, transitions)
        _normalise_categories(jobs, JOBS_SCHEMA)  # type: ignore[arg-type]
        _normalise_categories(transitions, TRANSITIONS_SCHEMA)
        self.jobs: pd.DataFrame = jobs  # type: ignore[assignment]
        self.transitions: pd.DataFrame = transitions
        self.unparsed: pd.DataFrame = unparsed if unparsed is not None else _empty(UNPARSED_SCHEMA)

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def empty(cls) -> JobHistory:
        """A history with no jobs."""
        transitions = _empty(TRANSITIONS_SCHEMA)
        transitions["status"] = pd.Series(status_categorical([]))
        return cls(_empty(JOBS_SCHEMA), transitions, check=False)

    @classmethod
    def from_transitions(
        cls,
        job_name: str,
        records: Iterable[SecondaryStatusTransition | Mapping[str, Any]],
        **job_attributes: Any,
    ) -> JobHistory:
        """Build the history of one job by hand.

        Parameters
        ----------
        job_name
            The job's name.
        records
            :class:`SecondaryStatusTransition` objects or API dicts (``Status``, ``StartTime``...).
        **job_attributes
            Columns of the ``jobs`` frame (``training_job_status="Completed"``, ``spot=True``...).

        Examples
        --------
        >>> h = JobHistory.from_transitions("j1", [
        ...     {"Status": "Starting", "StartTime": "2024-01-01T00:00:00Z"}],
        ...     training_job_status="InProgress")
        >>> h.transitions.status.tolist()
        ['Starting']
        """
        unknown = set(job_attributes) - set(JOBS_SCHEMA)
        if unknown:
            raise ValueError(
                f"unknown job attribute(s) {sorted(unknown)}; the jobs frame has "
                f"{list(JOBS_SCHEMA)[1:]}"
            )
        recs = [
            r if isinstance(r, SecondaryStatusTransition) else SecondaryStatusTransition.from_api(r)
            for r in records
        ]
        transitions = pd.DataFrame(
            {
                "job_name": [job_name] * len(recs),
                "step": np.arange(len(recs), dtype="int32"),
                "status": [r.status for r in recs],
                "start_time": pd.Series([r.start_time for r in recs], dtype=UTC),
                "end_time": pd.Series(
                    [pd.NaT if r.end_time is None else r.end_time for r in recs], dtype=UTC
                ),
                "status_message": [r.status_message for r in recs],
            }
        )
        jobs = pd.DataFrame(
            {
                "job_name": [job_name],
                "source": ["records"],
                **{k: [v] for k, v in job_attributes.items()},
            }
        )
        return cls(jobs, transitions)

    @classmethod
    def concat(cls, histories: Sequence[JobHistory]) -> JobHistory:
        """Put several histories together (jobs in order; duplicates kept, for validation)."""
        return concat_histories(list(histories))

    # -- reading ------------------------------------------------------------------------------

    @property
    def job_names(self) -> pd.Index:
        """Names of the jobs, in order."""
        return pd.Index(self.jobs["job_name"])

    @property
    def n_jobs(self) -> int:
        """Number of jobs (rows of ``jobs``)."""
        return len(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)

    def job_codes(self) -> np.ndarray:
        """Position of each transition's job among ``transitions.job_name`` categories."""
        return self.transitions["job_name"].cat.codes.to_numpy()

    def records(self, job_name: str) -> list[SecondaryStatusTransition]:
        """The entries of one job as :class:`SecondaryStatusTransition` records."""
        if job_name not in set(self.jobs["job_name"]):
            raise KeyError(f"no job named {job_name!r} in this history")
        rows = self.transitions[self.transitions["job_name"] == job_name]
        columns = ("status", "start_time", "end_time", "status_message")
        return [
            SecondaryStatusTransition(
                status=str(status),
                start_time=start,
                end_time=None if pd.isna(end) else end,
                status_message=None if pd.isna(message) else str(message),
            )
            for status, start, end, message in zip(*(rows[c] for c in columns), strict=True)
        ]

    def select(self, jobs: Iterable[str] | pd.Series | np.ndarray) -> JobHistory:
        """A history of the given jobs only: names, or a boolean mask over ``jobs`` rows."""
        if isinstance(jobs, pd.Series | np.ndarray) and np.asarray(jobs).dtype == bool:
            keep_jobs = self.jobs[np.asarray(jobs)]
        else:
            wanted = set(jobs)
            keep_jobs = self.jobs[self.jobs["job_name"].isin(wanted)]
        names = set(keep_jobs["job_name"])
        trans = self.transitions[self.transitions["job_name"].isin(names)]
        trans = trans.assign(job_name=trans["job_name"].astype(object))
        return JobHistory(keep_jobs, trans, unparsed=self.unparsed)

    def __repr__(self) -> str:
        bad = f", {len(self.unparsed)} unparsed" if len(self.unparsed) else ""
        return f"<JobHistory: {self.n_jobs} jobs, {len(self.transitions)} entries{bad}>"

    def _repr_html_(self) -> str:
        head = self.transitions.head(10).to_html(index=False)
        counts = self.transitions["status"].value_counts()
        counts_html = counts[counts > 0].to_frame("entries").to_html()
        return (
            f"<div><b>JobHistory</b>: {self.n_jobs} jobs, {len(self.transitions)} entries, "
            f"{len(self.unparsed)} unparsed records<br>{counts_html}<br>"
            f"<details><summary>first entries</summary>{head}</details></div>"
        )


TRANSITIONS_REQUIRED = ("job_name", "step", "status", "start_time")
"""The columns a transitions frame cannot do without (the others are filled with missing)."""


def is_transitions_frame(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` holds entries (it has every column of :data:`TRANSITIONS_REQUIRED`), not
    a frame derived from them: functions that also take a derived frame tell them apart so."""
    return set(TRANSITIONS_REQUIRED) <= set(frame.columns)


_P = ParamSpec("_P")
_R = TypeVar("_R")

ENGINE_PROTOCOL = "__smstatus_function__"
"""The method by which a history kept elsewhere (partitions on a Dask cluster) runs a function.

A class that defines ``__smstatus_function__(self, func, args, kwargs)`` is handed every call of a
function decorated with :func:`dispatch_to_engine` whose history is one of its instances, with
``func`` the public function (as NumPy's ``__array_function__`` does): the engine runs it on each
partition, an in-memory history, and merges the results. Nothing below the engine imports it.
"""


def dispatch_to_engine(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Let a history kept by another engine run ``func`` its own way (see
    :data:`ENGINE_PROTOCOL`); an in-memory history is passed straight through."""
    first = next(iter(inspect.signature(func).parameters))

    @functools.wraps(func)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        value = args[0] if args else kwargs.get(first)
        handler = getattr(type(value), ENGINE_PROTOCOL, None)
        if handler is None:
            return func(*args, **kwargs)
        # the engine gets this very function (importable by name, so it pickles to workers);
        # on a partition, an in-memory history, it runs the in-memory code
        result: _R = handler(value, call, args, kwargs)
        return result

    return call


def as_history(value: Any, name: str = "history") -> JobHistory:
    """The one input rule of every public function that takes a history.

    ``value`` is a :class:`JobHistory` (returned as is) or a transitions DataFrame (one row per
    entry, with at least the columns of :data:`TRANSITIONS_REQUIRED`), read as a history without
    a jobs frame. Anything else, a DataFrame without those columns included, raises a
    :class:`TypeError` that names the parameter ``name``.
    """
    if isinstance(value, JobHistory):
        return value
    if hasattr(type(value), ENGINE_PROTOCOL):
        raise TypeError(
            f"{name} must be a history in memory: {type(value).__name__} keeps its jobs in "
            "partitions; pass a computed part of it (.head(n), .sample(n) or .compute())"
        )
    if isinstance(value, pd.DataFrame) and is_transitions_frame(value):
        return JobHistory(None, value)
    if isinstance(value, pd.DataFrame):
        missing = [c for c in TRANSITIONS_REQUIRED if c not in value.columns]
        got = f"a DataFrame without the column(s) {missing}"
    else:
        got = type(value).__name__
    raise TypeError(
        f"{name} must be a JobHistory or a transitions DataFrame (smstatus.load(...) returns "
        f"a JobHistory), got {got}"
    )


HistoryLike: TypeAlias = "JobHistory | pd.DataFrame"
"""What the plotting functions draw: a :class:`JobHistory`, or its ``transitions`` frame alone
(a history without job metadata is made of it)."""
