"""What the jobs cost: a price table, cost per job and per phase, spot savings.

Prices are the user's (they vary by region and change): a dict or a CSV of instance type to
hourly price. A job's cost is ``billable seconds x instance count x hourly price / 3600``, with
AWS's ``BillableTimeInSeconds`` when the data has it and the wall time otherwise (the
``billable_basis`` column says which). For managed spot training AWS already discounts the
billable time, so its savings are ``1 - BillableTimeInSeconds / TrainingTimeInSeconds``.
A job without a price gets a NaN cost and a reason in ``missing``, and a warning lists the
instance types: never a silent zero.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smstatus.analysis.phases import entries
from smstatus.errors import InputNotFoundError, ParseError
from smstatus.history import JobHistory, as_history
from smstatus.machine import StatusMachine
from smstatus.typing import TimeLike

__all__ = [
    "PRICE_COLUMNS",
    "job_costs",
    "load_prices",
    "phase_costs",
    "warn_missing_prices",
]

PRICE_COLUMNS = ("instance_type", "hourly_price", "spot_hourly_price")
"""Columns of a price table (``spot_hourly_price`` optional)."""

Prices = Mapping[str, Any] | str | Path | pd.DataFrame


def _price(value: Any, *, file: str, line: int | None, field: str, optional: bool) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return math.nan
        raise ParseError("the price is missing", file=file, line=line, field=field)
    if isinstance(value, float) and math.isnan(value):
        if optional:
            return math.nan
        raise ParseError("the price is missing", file=file, line=line, field=field)
    try:
        price = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ParseError(
            f"{field} {value!r} is not a number",
            file=file,
            line=line,
            field=field,
            hint="Write prices as plain numbers in currency per hour, e.g. 0.23.",
        ) from None
    if not math.isfinite(price) or price < 0:
        raise ParseError(
            f"{field} {value!r} is not a price (a finite number, 0 or more)",
            file=file,
            line=line,
            field=field,
        )
    return price


def _from_rows(rows: Sequence[tuple[Any, Any, Any, int | None]], file: str) -> pd.DataFrame:
    types, hourly, spot = [], [], []
    seen: dict[str, int | None] = {}
    for itype, price, spot_price, line in rows:
        name = "" if itype is None else str(itype).strip()
        if not name:
            raise ParseError(
                "the instance type is missing", file=file, line=line, field="instance_type"
            )
        if name in seen:
            where = f" (first on line {seen[name]})" if seen[name] is not None else ""
            raise ParseError(
                f"instance type {name!r} is priced twice{where}",
                file=file,
                line=line,
                field="instance_type",
                hint="Keep one price per instance type.",
            )
        seen[name] = line
        types.append(name)
        hourly.append(_price(price, file=file, line=line, field="hourly_price", optional=False))
        spot.append(
            _price(spot_price, file=file, line=line, field="spot_hourly_price", optional=True)
        )
    return pd.DataFrame(
        {
            "instance_type": pd.array(types, dtype="string"),
            "hourly_price": np.asarray(hourly, dtype=float),
            "spot_hourly_price": np.asarray(spot, dtype=float),
        }
    )


def load_prices(source: Prices) -> pd.DataFrame:
    """Read a price table.

    Parameters
    ----------
    source
        - a dict ``{"ml.m5.xlarge": 0.23, ...}`` (on-demand price per hour), or
          ``{"ml.g5.2xlarge": {"hourly_price": 1.52, "spot_hourly_price": 0.6}, ...}``;
        - the path of a CSV file with a header ``instance_type,hourly_price`` and optionally
          ``spot_hourly_price`` (other columns are ignored);
        - a DataFrame with those columns.

    Returns
    -------
    DataFrame
        ``instance_type, hourly_price, spot_hourly_price`` (NaN when not given), one row per
        instance type.

    Raises
    ------
    ParseError
        Naming the file, line and field of a missing, non-numeric, negative or repeated price.
    InputNotFoundError
        When the file does not exist.

    Examples
    --------
    >>> load_prices({"ml.m5.xlarge": 0.23})
      instance_type  hourly_price  spot_hourly_price
    0  ml.m5.xlarge          0.23                NaN
    """
    if isinstance(source, pd.DataFrame):
        missing = [c for c in PRICE_COLUMNS[:2] if c not in source.columns]
        if missing:
            raise ParseError(
                f"the price frame lacks the column(s) {missing}",
                file="<prices>",
                field=missing[0],
                hint=f"Give the columns {list(PRICE_COLUMNS)}.",
            )
        spot = source["spot_hourly_price"] if "spot_hourly_price" in source.columns else None
        rows: list[tuple[Any, Any, Any, int | None]] = [
            (t, p, None if spot is None else spot.iloc[i], i + 1)
            for i, (t, p) in enumerate(
                zip(source["instance_type"], source["hourly_price"], strict=True)
            )
        ]
        return _from_rows(rows, "<prices>")
    if isinstance(source, Mapping):
        rows = []
        for itype, value in source.items():
            if isinstance(value, Mapping):
                unknown = set(value) - set(PRICE_COLUMNS[1:])
                if unknown:
                    raise ParseError(
                        f"the price of {itype!r} has unknown key(s) {sorted(unknown)}",
                        file="<prices>",
                        field=sorted(unknown)[0],
                        hint="Use 'hourly_price' and optionally 'spot_hourly_price'.",
                    )
                rows.append(
                    (itype, value.get("hourly_price"), value.get("spot_hourly_price"), None)
                )
            else:
                rows.append((itype, value, None, None))
        return _from_rows(rows, "<prices>")
    path = Path(source)
    if not path.is_file():
        raise InputNotFoundError(f"price file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in PRICE_COLUMNS[:2] if c not in header]
    if missing:
        raise ParseError(
            f"the header {header} lacks the column(s) {missing}",
            file=str(path),
            line=1,
            field=missing[0],
            hint="Start the file with the line: instance_type,hourly_price,spot_hourly_price",
        )
    rows = [
        (r["instance_type"], r["hourly_price"], r.get("spot_hourly_price"), reader.line_num)
        for r in reader
    ]
    return _from_rows(rows, str(path))


def _prices(prices: Prices) -> pd.DataFrame:
    if isinstance(prices, pd.DataFrame) and list(prices.columns[:3]) == list(PRICE_COLUMNS):
        return prices
    return load_prices(prices)


def _row_prices(jobs: pd.DataFrame, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """On-demand and spot hourly price of each job (NaN when not in the table)."""
    itype = jobs["instance_type"]
    if not isinstance(itype.dtype, pd.CategoricalDtype):
        itype = itype.astype("category")
    cats = pd.Index(itype.cat.categories.astype(str))
    idx = pd.Index(table["instance_type"].astype(str)).get_indexer(cats)
    on_demand = np.append(np.where(idx >= 0, table["hourly_price"].to_numpy()[idx], np.nan), np.nan)
    spot = np.append(np.where(idx >= 0, table["spot_hourly_price"].to_numpy()[idx], np.nan), np.nan)
    codes = itype.cat.codes.to_numpy()  # -1 (unknown type) picks the trailing NaN
    return on_demand[codes], spot[codes]


def _warn_missing(jobs: pd.DataFrame, no_price: np.ndarray, no_type: np.ndarray) -> None:
    parts = []
    if no_price.any():
        types = sorted(pd.unique(jobs["instance_type"].astype(object)[no_price]))
        parts.append(
            f"{int(no_price.sum())} job(s) on instance type(s) without a price: {', '.join(types)}"
        )
    if no_type.any():
        parts.append(f"{int(no_type.sum())} job(s) of unknown instance type")
    if parts:
        warnings.warn(
            "; ".join(parts) + ". Their cost is NaN (see the 'missing' column); add the "
            "types to the price table.",
            UserWarning,
            stacklevel=3,
        )


NO_TIME = "no time: no billable time and no entries"
NO_COUNT = "instance count unknown"
NO_PRICE = "no price for the instance type"
NO_TYPE = "instance type unknown"


def warn_missing_prices(costs: pd.DataFrame) -> None:
    """Warn of the jobs without a price in a :func:`job_costs` frame, as :func:`job_costs`
    does: for a frame put together from parts computed apart (partitions of a fleet), whose
    own warnings each counted a part."""
    no_type = costs["instance_type"].isna().to_numpy()
    no_price = (costs["missing"].astype(object) == NO_PRICE).to_numpy(dtype=bool)
    _warn_missing(costs, no_price, no_type)


def _labels(cases: list[tuple[np.ndarray, str]]) -> pd.Categorical:
    """A categorical of labels: each row gets the label of the last case that holds for it
    (NA when none does)."""
    n = len(cases[0][0])
    codes = np.full(n, -1, dtype=np.int8)
    for i, (mask, _) in enumerate(cases):
        codes[mask] = i
    return pd.Categorical.from_codes(codes, categories=[label for _, label in cases])  # type: ignore[call-overload]


def _float(series: pd.Series) -> np.ndarray:
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def job_costs(
    history: JobHistory,
    prices: Prices,
    *,
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
) -> pd.DataFrame:
    """The cost of each job, and the savings of managed spot training.

    Parameters
    ----------
    history
        The histories.
    prices
        A price table or what :func:`load_prices` reads.
    as_of
        Time open entries are measured up to, for jobs priced on their wall time (``None``:
        each job's ``observed_at``).
    machine
        The :class:`~smstatus.machine.StatusMachine` whose terminal statuses end a job; the
        default machine when ``None``.

    Returns
    -------
    DataFrame
        One row per job: ``job_name, instance_type, instance_count, spot``, ``billable_s``
        and ``billable_basis`` (``"billable_time_s"``: AWS's BillableTimeInSeconds;
        ``"wall_s"``: the job's wall time, when AWS's figure is absent, e.g. running jobs and
        SDK logs), ``hourly_price`` and ``price_basis`` (``"on_demand"``, or ``"spot"`` when a
        spot job is priced on its wall time and the table has a spot price), ``cost``
        (``billable_s x instance_count x hourly_price / 3600``), ``training_time_s``,
        ``billable_time_s``, ``spot_savings`` (spot jobs: ``1 - billable / training``) and
        ``missing`` (why the cost is NaN; NA when it is known).

    Warns
    -----
    UserWarning
        When jobs have no price (listing their instance types) or no instance type.
    """
    history = as_history(history)
    table = _prices(prices)
    e = entries(history, as_of, machine)
    jobs = history.jobs.reset_index(drop=True)
    wall = e.to_rows(e.wall_s, np.nan)
    billable = _float(jobs["billable_time_s"])
    training = _float(jobs["training_time_s"])
    spot = jobs["spot"].fillna(False).to_numpy(dtype=bool)
    count = _float(jobs["instance_count"])
    on_demand, spot_price = _row_prices(jobs, table)

    known = ~np.isnan(billable)
    seconds = np.where(known, billable, wall)
    use_spot = ~known & spot & ~np.isnan(spot_price)
    hourly = np.where(use_spot, spot_price, on_demand)
    cost = seconds * count * hourly / 3600.0
    with np.errstate(invalid="ignore", divide="ignore"):
        savings = np.where(spot & (training > 0), 1.0 - billable / training, np.nan)

    no_type = jobs["instance_type"].isna().to_numpy()
    no_price = ~no_type & np.isnan(on_demand)
    _warn_missing(jobs, no_price, no_type)
    missing = _labels(
        [
            (np.isnan(seconds), NO_TIME),
            (np.isnan(count), NO_COUNT),
            (no_price, NO_PRICE),
            (no_type, NO_TYPE),
        ]
    )
    out = pd.DataFrame(
        {
            "job_name": jobs["job_name"],
            "instance_type": jobs["instance_type"],
            "instance_count": jobs["instance_count"],
            "spot": jobs["spot"],
            "billable_s": seconds,
            "billable_basis": _labels([(~np.isnan(wall), "wall_s"), (known, "billable_time_s")]),
            "hourly_price": hourly,
            "price_basis": _labels(
                [
                    (~np.isnan(hourly) & ~use_spot, "on_demand"),
                    (~np.isnan(hourly) & use_spot, "spot"),
                ]
            ),
            "cost": cost,
            "training_time_s": jobs["training_time_s"],
            "billable_time_s": jobs["billable_time_s"],
            "spot_savings": savings,
            "missing": missing,
        }
    )
    out.attrs["as_of"] = e.as_of
    return out


def phase_costs(
    history: JobHistory,
    prices: Prices,
    *,
    as_of: TimeLike | None = None,
    machine: StatusMachine | None = None,
) -> pd.DataFrame:
    """The cost of the time each job spent in each status.

    An attribution, not the bill: each phase is priced at the job's instances for as long as it
    lasted (``seconds x instance_count x hourly price / 3600``, the spot price for spot jobs
    when the table has one), so a job's phase costs add up to the cost of its wall time. AWS
    bills ``BillableTimeInSeconds`` (see :func:`job_costs`), which leaves out waiting for
    capacity and, for spot jobs, reflects the savings.

    Returns
    -------
    DataFrame
        One row per job and status it was in (jobs in order, statuses in lifecycle order):
        ``job_name`` (categorical, as in ``transitions``), ``status, seconds, instance_type,
        instance_count, hourly_price, cost`` and ``missing`` (why the cost is NaN). Warns as
        :func:`job_costs` does.
    """
    history = as_history(history)
    table = _prices(prices)
    e = entries(history, as_of, machine)
    jobs = history.jobs.reset_index(drop=True)
    secs, counts = e.phase_seconds, e.phase_counts()
    code, present = np.nonzero(counts.T)  # jobs in order, statuses in lifecycle order
    status = e.present_codes[present]
    row = e.code_row[code] if len(code) else np.zeros(0, dtype=np.int64)
    on_demand, spot_price = _row_prices(jobs, table)
    spot = jobs["spot"].fillna(False).to_numpy(dtype=bool)
    hourly_rows = np.where(spot & ~np.isnan(spot_price), spot_price, on_demand)
    count_rows = _float(jobs["instance_count"])
    seconds = secs[present, code]
    hourly = hourly_rows[row]
    cost = seconds * count_rows[row] * hourly / 3600.0
    no_type_rows = jobs["instance_type"].isna().to_numpy()
    no_price_rows = ~no_type_rows & np.isnan(on_demand)
    _warn_missing(jobs, no_price_rows, no_type_rows)
    missing_rows = _labels(
        [
            (np.isnan(count_rows), NO_COUNT),
            (no_price_rows, NO_PRICE),
            (no_type_rows, NO_TYPE),
        ]
    )
    out = pd.DataFrame(
        {
            "job_name": pd.Categorical.from_codes(  # type: ignore[call-overload]
                code, dtype=history.transitions["job_name"].dtype
            ),
            "status": pd.Categorical.from_codes(
                status, categories=history.transitions["status"].cat.categories
            ),
            "seconds": seconds,
            "instance_type": jobs["instance_type"].take(row).reset_index(drop=True),
            "instance_count": jobs["instance_count"].take(row).reset_index(drop=True),
            "hourly_price": hourly,
            "cost": cost,
            "missing": missing_rows.take(row),
        },
        copy=False,
    )
    out.attrs["as_of"] = e.as_of
    return out
