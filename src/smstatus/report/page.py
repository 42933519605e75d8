"""The one-page report: everything smstatus knows about a fleet of jobs, as self-contained HTML.

Images are embedded (PNG as data URIs), styles are inline: the page needs no server and no
network. The frames behind every section are written as CSV beside it.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smstatus.atomicfile import atomic_folder, remove_stale_temporaries, resolve_target
from smstatus.history import JobHistory, as_history
from smstatus.machine import StatusMachine, default_machine
from smstatus.report.frames import FRAME_FORMATS, FrameFormat, write_frames
from smstatus.spans import format_duration
from smstatus.typing import TimeLike

__all__ = ["REPORT_SECTIONS", "Report", "build_report"]

REPORT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("validation", "Validation"),
    ("phases", "Where the time goes"),
    ("bottlenecks", "Bottlenecks"),
    ("warm-starts", "Warm pools: time to Training"),
    ("trend", "Waits over time"),
    ("variants", "Variants"),
    ("gantt-slowest", "The slowest jobs"),
    ("gantt-aligned", "Job shapes, aligned at the start"),
    ("distributions", "Phase duration distributions"),
    ("machine", "The machine against the data"),
)
"""``(id, title)`` of every section of the page, in order."""

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;
 color:#1f2328;background:#f6f8fa;line-height:1.45}
header{background:#0b3d5c;color:#fff;padding:22px 40px}
header h1{margin:0 0 4px;font-size:26px}header p{margin:0;opacity:.85}
nav{background:#fff;border-bottom:1px solid #d0d7de;padding:8px 40px;position:sticky;top:0;
 z-index:2;font-size:14px}nav a{margin-right:16px;color:#0b5cad;text-decoration:none}
main{padding:10px 40px 40px;max-width:1500px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:18px 24px;
 margin:18px 0}
h2{margin:0 0 10px;font-size:20px}h3{font-size:15px;margin:16px 0 6px;color:#444}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:140px;
 background:#fafbfc}.card b{display:block;font-size:24px}.card span{font-size:13px;color:#555}
.card.bad b{color:#b42318}.card.good b{color:#1a7f37}
table{border-collapse:collapse;font-size:13px;margin:6px 0 10px}
th,td{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:right;vertical-align:top}
th{background:#f3f4f6}.scroll th{position:sticky;top:0}td.l,th.l{text-align:left}
.scroll{max-height:460px;overflow:auto;border:1px solid #eee}
img{max-width:100%;height:auto;display:block;margin:6px 0}
.note{color:#57606a;font-size:13px}.sev-error{color:#b42318;font-weight:600}
.sev-warning{color:#9a6700;font-weight:600}.sev-info{color:#57606a}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:18px}
@media (max-width:1100px){.grid{grid-template-columns:1fr}}
footer{color:#57606a;font-size:12px;padding:0 40px 30px}
"""


@dataclass
class Report:
    """What :func:`build_report` wrote: the page and the frames beside it."""

    path: Path
    frames: dict[str, Path] = field(default_factory=dict)
    sections: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        files = "".join(f"<li>{html.escape(p.name)}</li>" for p in self.frames.values())
        return (
            f"<p>Report written to <code>{html.escape(str(self.path))}</code></p><ul>{files}</ul>"
        )


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A figure and its Axes, made without pyplot: no backend, no global state touched."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _png(ax_or_fig: Any, *, dpi: int = 110) -> str:
    """Render a figure (or an Axes' figure) to a base64 PNG data URI."""
    fig = ax_or_fig if hasattr(ax_or_fig, "savefig") else ax_or_fig.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def human_seconds(value: float) -> str:
    """``93.4`` -> ``"1.6 min"``; readable durations for tables (:func:`format_duration`)."""
    return format_duration(value, style="table")


def human_time(value: Any) -> str:
    """A timestamp for people: ``2017-11-30 16:07:43 UTC`` (to the second, in UTC)."""
    if value is None or pd.isna(value):
        return "–"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return f"{stamp:%Y-%m-%d %H:%M:%S} UTC"


def _cell(v: Any, *, seconds: bool, percent: bool) -> str:
    """One table cell as people read it: durations, percentages, yes/no, times, numbers."""
    if seconds:
        return human_seconds(v)
    if percent:
        return "–" if pd.isna(v) else f"{100 * float(v):.1f}%"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, pd.Timestamp | datetime | np.datetime64):
        return human_time(v)
    if isinstance(v, float | np.floating):
        return "–" if pd.isna(v) else f"{v:,.2f}"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    return "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _table(
    frame: pd.DataFrame,
    *,
    seconds: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    left: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    scroll: bool = False,
    max_rows: int = 60,
) -> str:
    """An HTML table for people; ``headers`` renames columns (the CSVs keep the raw names)."""
    frame = frame.head(max_rows)
    names = headers or {}
    head = "".join(
        f'<th class="{"l" if c in left else ""}">{html.escape(names.get(str(c), str(c)))}</th>'
        for c in frame.columns
    )
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, values, strict=True):
            text = _cell(v, seconds=col in seconds, percent=col in percent)
            klass = "l" if col in left else ""
            if col == "severity":
                klass = f"l sev-{text}"
            cells.append(f'<td class="{klass}">{html.escape(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="scroll">{table}</div>' if scroll else table


def _card(value: str, label: str, kind: str = "") -> str:
    return (
        f'<div class="card {kind}"><b>{html.escape(value)}</b>'
        f"<span>{html.escape(label)}</span></div>"
    )


STATS_HEADERS = {
    "count": "entries",
    "censored": "open entries",
    "mean_s": "mean",
    "p50_s": "median",
    "p90_s": "p90",
    "p99_s": "p99",
    "max_s": "longest entry",
}
"""Column names of the duration statistics as the page shows them."""


@dataclass
class _Context:
    """What every section reads: the history, its validation and measures, the frames."""

    history: JobHistory
    machine: StatusMachine
    strict: bool
    report: Any = None  # the ValidationReport
    phases: pd.DataFrame = field(default_factory=pd.DataFrame)
    as_of: Any = None  # the as_of given, or None: each job measured up to its own observed_at
    data_end: Any = None  # the latest time in the data (or as_of): where the trend window ends
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    main_phases: list[str] = field(default_factory=list)
    frames_format: FrameFormat = "csv"  # the suffix of the frame files the page names

    def file(self, name: str) -> str:
        """The file name of a frame beside the page (``violations.csv``)."""
        return f"{name}.{self.frames_format}"


def build_report(
    history: JobHistory,
    out_dir: str | Path,
    *,
    machine: StatusMachine | None = None,
    strict: bool = False,
    as_of: TimeLike | None = None,
    title: str = "SageMaker training jobs: status report",
    slowest: int = 40,
    aligned_sample: int = 150,
    progress: Callable[[str], None] | None = None,
    frames_format: FrameFormat = "csv",
) -> Report:
    """Write ``index.html`` and the frames behind it into ``out_dir``.

    The pictures are drawn on their own :class:`matplotlib.figure.Figure` objects: the
    caller's pyplot state, backend and ``rcParams`` are left as they were.

    Parameters
    ----------
    history
        The jobs to report on.
    out_dir
        Folder to write into (created when missing).
    machine
        The machine to validate against, whose terminal statuses end a job in every measure
        and picture (default: :func:`~smstatus.machine.default_machine`).
    strict
        Edges resting only on inference are errors.
    as_of
        Time up to which the open entries of every job are measured (default: each up to
        when its job was observed, its ``observed_at``).
    slowest, aligned_sample
        Lanes in the Gantt of the slowest jobs and in the aligned sample.
    progress
        Called with the name of each step as it starts (for a progress bar).
    frames_format
        ``"csv"`` (default) or ``"parquet"``: how the frames beside the page are written
        (see :mod:`smstatus.report.frames`).

    Returns
    -------
    Report
        The page's path and the frame files written.
    """
    if frames_format not in FRAME_FORMATS:
        raise ValueError(
            f"frames_format must be one of {', '.join(FRAME_FORMATS)}, got {frames_format!r}"
        )
    history = as_history(history)
    from smstatus.analysis.phases import reuse_entries

    step = progress or (lambda _name: None)
    machine = machine or default_machine()
    out = Path(out_dir)
    check_report_folder(out)
    with reuse_entries():  # a dozen analyses of one history: its entries measured once
        ctx = _Context(history, machine, strict, frames_format=frames_format)
        body = _sections(ctx, as_of, slowest, aligned_sample, step)
    step("writing")
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)  # what a killed report left beside its folder
    with atomic_folder(out) as folder:  # a killed run leaves the previous report, or none
        written = _write_frames(ctx, folder)
        page = _page(title, ctx, body, written)
        (folder / "index.html").write_text(page, encoding="utf-8")
        (folder / REPORT_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    written = {name: out / path.name for name, path in written.items()}
    index = out / "index.html"
    shown = tuple(s for s, _ in REPORT_SECTIONS if f'<section id="{s}">' in "".join(body))
    return Report(path=index, frames=written, sections=shown)


def _sections(
    ctx: _Context,
    as_of: TimeLike | None,
    slowest: int,
    aligned_sample: int,
    step: Callable[[str], None],
) -> list[str]:
    """Validate, measure and draw into ``ctx`` (its frames): the HTML of every section."""
    from smstatus.analysis.phases import entries, phase_table, resolve_as_of
    from smstatus.validation.checks import validate

    history, machine = ctx.history, ctx.machine
    step("validating")
    ctx.report = report = validate(history, machine=machine, strict=ctx.strict)
    step("measuring durations")
    ctx.as_of = entries(history, as_of, machine).as_of  # as the frames' attrs["as_of"] say
    ctx.phases = phase_table(history, as_of=ctx.as_of, machine=machine)
    ctx.data_end = resolve_as_of(history, ctx.as_of)
    ctx.frames.update(phase_table=ctx.phases, violations=report.violations)
    body = [_overview(ctx), _validation(ctx)]
    step("computing statistics")
    body.append(_phases(ctx))
    step("finding bottlenecks")
    body += [_bottlenecks(ctx), _warm_starts(ctx), _trend(ctx), _variants(ctx)]
    step("drawing Gantt charts")
    body += [_gantt_slowest(ctx, slowest), _gantt_aligned(ctx, aligned_sample)]
    body.append(_distributions(ctx))
    step("drawing the machine")
    body.append(_machine(ctx))
    return body


REPORT_MARKER = ".smstatus-report"
"""A hidden file in every report folder: it marks the folder as one a new report replaces
whole (loaders skip hidden files, so it is never read as input)."""
_MARKER_TEXT = "This folder is a report written by smstatus; the next report replaces it.\n"


def check_report_folder(out: Path) -> None:
    """Raise :class:`FileExistsError` when ``out`` holds files a report did not write.

    A report replaces its folder whole (atomically); a folder that is missing, empty, or a
    report (its marker, or only HTML and CSV files, as reports before the marker) may go.
    """
    resolved = resolve_target(out).resolve()
    if not resolved.exists():
        return
    if not resolved.is_dir():
        raise NotADirectoryError(20, "it is a file, not a folder", str(out))
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise FileExistsError(17, "it is the current folder: give a folder of its own", str(out))
    entries = [p.name for p in resolved.iterdir()]
    if REPORT_MARKER in entries:
        return
    foreign = sorted(n for n in entries if not n.endswith((".csv", ".html")))
    if foreign:
        raise FileExistsError(
            17,
            f"it holds files a report did not write (e.g. {foreign[0]!r}), which a report "
            "replaces whole: give a new or empty folder",
            str(out),
        )


def _write_frames(ctx: _Context, out: Path) -> dict[str, Path]:
    """Every frame behind the page, then the history's jobs and transitions, at full
    precision (see :mod:`smstatus.report.frames`)."""
    frames = {
        **ctx.frames,
        "jobs": ctx.history.jobs,
        "transitions": ctx.history.transitions,
    }
    return write_frames(frames, out, frames_format=ctx.frames_format)


def _page(title: str, ctx: _Context, body: list[str], written: dict[str, Path]) -> str:
    from importlib.metadata import version

    nav = "".join(
        f'<a href="#{sid}">{html.escape(t)}</a>'
        for sid, t in REPORT_SECTIONS
        if f'<section id="{sid}">' in "".join(body)  # a section may have nothing to show
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{ctx.history.n_jobs:,} jobs · machine "
        f"{html.escape(ctx.machine.version)} · generated {stamp} by smstatus "
        f"{version('smstatus')}</p>"
        f"</header><nav>{nav}</nav><main>{''.join(body)}</main>"
        "<footer>Frames behind every section: "
        + ", ".join(f'<a href="{p.name}">{p.name}</a>' for p in written.values())
        + "</footer></body></html>"
    )


def _overview(ctx: _Context) -> str:
    history, phases, report = ctx.history, ctx.phases, ctx.report
    n_jobs = history.n_jobs
    status_counts = (
        history.jobs["training_job_status"].astype(object).fillna("unknown").value_counts()
    )
    first = history.transitions["start_time"].min()
    n_bad = int(n_jobs - len(report.valid_jobs))
    wall = phases["wall_s"] if "wall_s" in phases else pd.Series(dtype=float)
    n_open = int(phases["censored"].sum()) if "censored" in phases else 0
    n_in_progress = int(status_counts.get("InProgress", 0))
    cards = [
        _card(f"{n_jobs:,}", "jobs"),
        _card(f"{len(history.transitions):,}", "status entries"),
        _card(f"{n_jobs - n_bad:,}", "jobs without errors", "good"),
        _card(f"{n_bad:,}", "jobs with errors", "bad" if n_bad else "good"),
        _card(human_seconds(wall.median()), "median wall time"),
        _card(f"{n_open:,}", "jobs with an open entry"),
    ]
    if len(history.unparsed):
        cards.append(_card(f"{len(history.unparsed):,}", "records not loaded", "bad"))
    differ = ""
    if n_open != n_in_progress:
        differ = (
            f" {n_in_progress:,} jobs have the primary status InProgress and {n_open:,} have a "
            "history whose last entry is still open: the two differ where a history and its "
            "primary status disagree (see <code>status_mismatch</code> and "
            "<code>not_terminal</code> under Validation)."
        )
    if ctx.as_of is None:
        until = (
            "when its job was observed (<code>observed_at</code>: the fetch, the event, the "
            "log's last poll), never the clock nor another job's time"
        )
    else:
        until = f"{human_time(ctx.as_of)} (the as_of given)"
    return _section(
        "overview",
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="note">Entries from {human_time(first)} to {human_time(ctx.data_end)}; an '
        f"entry still open (a running job's last status) is measured up to {until}."
        f"{differ} Machine {html.escape(ctx.machine.version)}"
        f"{' (strict)' if ctx.strict else ''}.</p>"
        "<h3>Jobs by primary status</h3>"
        + _table(
            status_counts.rename_axis("primary status").reset_index(name="jobs"),
            left=("primary status",),
        ),
    )


def _validation(ctx: _Context) -> str:
    report = ctx.report
    summary = report.summary()
    ctx.frames["validation_summary"] = summary
    sev_order = {"error": 0, "warning": 1, "info": 2}
    worst = (
        report.violations.assign(_o=report.violations["severity"].astype(object).map(sev_order))
        .sort_values(["_o", "job_name", "step"], kind="stable")
        .drop(columns="_o")
    )
    shown = worst.head(50)
    return _section(
        "validation",
        f"<p>{'No error-severity violation.' if report.ok else 'Some jobs break the machine.'} "
        "Codes are stable strings; <code>info</code> rows show how much of the data rests on "
        "inferred edges, repeats and deprecated statuses.</p>"
        + _table(
            summary.reset_index() if summary.index.name else summary, left=("code", "severity")
        )
        + f"<h3>Worst violations (the first {len(shown):,} of {len(worst):,}, errors first; "
        f"every one is in {ctx.file('violations')})</h3>"
        + _table(shown, left=("job_name", "code", "severity", "message"), scroll=True),
    )


def _phases(ctx: _Context) -> str:
    from smstatus.analysis.phases import duration_stats
    from smstatus.plotting import plot_durations

    history, as_of, machine = ctx.history, ctx.as_of, ctx.machine
    stats_all = duration_stats(history, as_of=as_of, machine=machine)
    by_type = duration_stats(history, by="instance_type", as_of=as_of, machine=machine)
    by_spot = duration_stats(history, by="spot", as_of=as_of, machine=machine)
    ctx.frames.update(
        duration_stats=stats_all,
        duration_stats_by_instance_type=by_type,
        duration_stats_by_spot=by_spot,
    )
    sec_cols = tuple(c for c in stats_all.columns if c.endswith("_s"))
    ctx.main_phases = main_phases = _main_phases(stats_all, history.n_jobs, machine)
    type_view = _median_by_group(by_type, "instance_type", main_phases, history.jobs)
    spot_view = _median_by_group(by_spot, "spot", main_phases, history.jobs)
    spot_view["spot"] = (
        spot_view["spot"].map({"True": "spot", "False": "on-demand"}).fillna(spot_view["spot"])
    )
    n_rows = int((stats_all["count"] > 0).sum()) if "count" in stats_all else 12
    fig, ax = _figure(12, max(4.5, 0.42 * n_rows + 1.2))
    plot_durations(history, ax=ax, kind="box", log=True, as_of=as_of, machine=machine)
    return _section(
        "phases",
        "<p>Per status, over every entry of every job: how many entries, how many still open "
        "(measured up to when their job was observed, or the as_of given), and the mean, "
        "percentiles and longest of the entries' durations. A job that enters a status twice "
        "has two entries.</p>"
        + _table(stats_all, seconds=sec_cols, left=("status",), headers=STATS_HEADERS)
        + "<h3>Median time of an entry in each phase, by instance type</h3>"
        + _table(
            type_view,
            seconds=tuple(main_phases),
            left=("instance_type",),
            scroll=True,
            max_rows=200,
        )
        + "<h3>Median time of an entry in each phase, on-demand and spot</h3>"
        + _table(spot_view, seconds=tuple(main_phases), left=("spot",))
        + '<p class="note">Every percentile of every group is in '
        f"{ctx.file('duration_stats_by_instance_type')} and "
        f"{ctx.file('duration_stats_by_spot')}.</p>"
        + _img(_png(fig), "distribution of each phase's duration"),
    )


def _bottlenecks(ctx: _Context) -> str:
    from smstatus.analysis.hotspots import bottlenecks
    from smstatus.plotting import plot_bottlenecks

    history, as_of, machine = ctx.history, ctx.as_of, ctx.machine
    bn = bottlenecks(history, by="instance_type", as_of=as_of, machine=machine)
    ctx.frames.update(
        bottlenecks_per_job=bn.per_job, bottleneck_shares=bn.shares, slowest_per_phase=bn.slowest
    )
    n_types = int(history.jobs["instance_type"].nunique(dropna=False))
    fig, ax = _figure(12, max(3.5, 0.38 * n_types + 1.5))
    plot_bottlenecks(history, ax=ax, by="instance_type", as_of=as_of, machine=machine)
    by_type_png = _png(fig)
    fig, ax = _figure(12, 3.2)
    plot_bottlenecks(history, ax=ax, by="spot", as_of=as_of, machine=machine)
    by_spot_png = _png(fig)
    counts = (
        bn.per_job["bottleneck"]
        .astype(object)
        .value_counts()
        .rename_axis("bottleneck phase")
        .reset_index(name="jobs")
    )
    return _section(
        "bottlenecks",
        "<p>Where the time outside Training goes, per group: each bar is the share of the "
        "group's time in each phase. Below, per job, the phase that took the longest.</p>"
        + _img(by_type_png, "share of time per phase by instance type")
        + _img(by_spot_png, "share of time per phase, on-demand and spot")
        + '<div class="grid"><div><h3>Jobs by their bottleneck phase</h3>'
        + _table(counts, left=("bottleneck phase",))
        + "</div><div><h3>The slowest jobs per phase</h3>"
        '<p class="note">A job\'s total time in the phase, all its entries added up: it can '
        "exceed the longest single entry of the statistics above.</p>"
        + _table(
            bn.slowest,
            seconds=("seconds",),
            left=("status", "job_name"),
            headers={"seconds": "job's total time in the phase"},
            scroll=True,
        )
        + "</div></div>",
    )


def _warm_start_table(phases: pd.DataFrame) -> pd.DataFrame:
    """Time from the first entry to the first ``Training``, with and without a warm start.

    One row per value of ``warm_start`` (warm, cold, unknown): ``jobs``, ``reached_training``,
    ``before_training`` (still open and not yet in Training: censored at their wait so far),
    ``never_trained`` (ended without Training; a job without entries is neither), and the
    Kaplan-Meier median and p90 of the time to the first Training (``inf`` when too many
    jobs are still waiting to tell).
    """
    from smstatus.analysis.survival import km_quantiles

    kind = (
        phases["warm_start"]
        .astype(object)
        .map({True: "warm start", False: "cold start"})
        .fillna("unknown")
    )
    reached = phases["to_first_training_s"].notna().to_numpy()
    censored = phases["censored"].astype(bool).to_numpy()
    waiting = ~reached & censored
    never = ~reached & ~censored & phases["wall_s"].notna().to_numpy()
    codes, labels = pd.factorize(kind)
    # a job still before Training has waited at least its wall time so far
    seconds = np.where(reached, phases["to_first_training_s"], phases["wall_s"])
    usable = (reached | waiting) & np.isfinite(seconds) & (seconds >= 0)
    quantiles = km_quantiles(
        seconds[usable], reached[usable], (0.5, 0.9), groups=codes[usable], n_groups=len(labels)
    )
    out = pd.DataFrame(
        {
            "start": labels,
            "jobs": np.bincount(codes, minlength=len(labels)),
            "reached_training": np.bincount(codes[reached], minlength=len(labels)),
            "median_to_first_training_s": quantiles[:, 0],
            "p90_to_first_training_s": quantiles[:, 1],
            "before_training": np.bincount(codes[waiting], minlength=len(labels)),
            "never_trained": np.bincount(codes[never], minlength=len(labels)),
        }
    ).set_index("start")
    order = [k for k in ("warm start", "cold start", "unknown") if k in out.index]
    return out.loc[order].reset_index()


def _warm_starts(ctx: _Context) -> str:
    """Warm against cold starts; no section when no job reused a warm pool."""
    if not ctx.phases["warm_start"].fillna(False).any():
        return ""
    table = _warm_start_table(ctx.phases)
    ctx.frames["warm_starts"] = table
    medians = table.set_index("start")["median_to_first_training_s"]
    saved = ""
    if {"warm start", "cold start"} <= set(medians.index) and np.isfinite(
        medians[["warm start", "cold start"]]
    ).all():
        warm, cold = medians["warm start"], medians["cold start"]
        saved = (
            f" At the median a warm start reaches Training in {human_seconds(warm)}, a cold "
            f"start in {human_seconds(cold)} ({human_seconds(cold - warm)} less)."
        )
    seconds = ("median_to_first_training_s", "p90_to_first_training_s")
    return _section(
        "warm-starts",
        "<p>Time from a job's first status entry to its first Training entry, for jobs that "
        "started on the instances of a warm pool another job kept (their Starting entry says "
        "“Found matching resource for reuse”) and for the others."
        + saved
        + "</p>"
        + _table(
            table,
            seconds=seconds,
            left=("start",),
            headers={
                "reached_training": "reached Training",
                "median_to_first_training_s": "median",
                "p90_to_first_training_s": "p90",
                "before_training": "still before Training",
                "never_trained": "ended without Training",
            },
        )
        + '<p class="note">The median and p90 are Kaplan-Meier estimates: a job still before '
        "Training at as_of counts as having waited at least its time so far (censored), so "
        "running jobs do not make the figures too short; ∞ where too many are still waiting to "
        "tell. “unknown”: the history has no Starting message to tell. "
        f"{ctx.file('warm_starts')} holds the table.</p>",
    )


TREND_STATUSES = ("Pending", "Starting")
"""The waits drawn over calendar time in the report."""

TREND_WINDOW = pd.Timedelta(weeks=26)
"""How far back before the end of the data (or the as_of given) the report draws the waits
(the CSV holds every period)."""


def _trend(ctx: _Context) -> str:
    from smstatus.analysis.trend import phase_trend
    from smstatus.plotting.trend import plot_trend

    history, as_of, machine = ctx.history, ctx.as_of, ctx.machine
    since, freq = _trend_window(history, ctx.data_end)
    trend = phase_trend(
        history,
        list(TREND_STATUSES),
        by="instance_type",
        freq=freq,
        as_of=as_of,
        machine=machine,
    )
    ctx.frames["phase_trend"] = trend
    pictures = []
    for status in TREND_STATUSES:
        top = phase_trend(
            history, status, by="instance_type", freq=freq, as_of=as_of, top=4, machine=machine
        )
        recent = top[top["period"] >= since] if since is not None else top
        if not len(recent):
            continue
        recent.attrs = dict(top.attrs)
        fig, ax = _figure(12, 3.8)
        plot_trend(recent, status, stat="p90", ax=ax)
        pictures.append(_img(_png(fig), f"p90 of {status} per period, by instance type"))
    unit = "day" if freq == "D" else "week"
    window = f"from {since:%Y-%m-%d}" if since is not None else "over the whole data"
    return _section(
        "trend",
        f"<p>How long the waits for capacity take over calendar time: the 90th percentile of "
        f"the Pending and Starting entries that started each {unit}, {window}, for the four "
        "instance types with the most entries (the others together as “other”). Entries still "
        "open are left out of the percentiles (hollow markers); a spike is a shortage. "
        f"{ctx.file('phase_trend')} holds every period and instance type, with the median, the "
        "entries and the total time.</p>"
        + ("".join(pictures) or "<p>No Pending or Starting entry.</p>"),
    )


def _trend_window(history: JobHistory, as_of: Any) -> tuple[pd.Timestamp | None, str]:
    """The start of the drawn window (the last 26 weeks up to ``as_of``, the end of the data)
    and the period length: days when the window holds three weeks of data or less, else
    weeks."""
    starts = history.transitions["start_time"]
    if as_of is None or pd.isna(as_of) or not starts.notna().any():
        return None, "W"
    since = pd.Timestamp(as_of) - TREND_WINDOW
    first = max(starts.min(), since)
    freq = "D" if pd.Timestamp(as_of) - first <= pd.Timedelta(weeks=3) else "W"
    return since, freq


def _variants(ctx: _Context) -> str:
    from smstatus.analysis.hotspots import variants

    var = variants(ctx.history, as_of=ctx.as_of, machine=ctx.machine)
    ctx.frames["variants"] = var
    return _section(
        "variants",
        "<p>Distinct status sequences (repeats collapsed), most common first; loops show "
        "restarts and spot interruptions.</p>"
        + _table(
            var.head(15),
            seconds=("median_wall_s",),
            percent=("share",),
            left=("variant", "example_job"),
            headers={
                "n_statuses": "statuses",
                "count": "jobs",
                "median_wall_s": "median wall time",
                "has_loop": "loops",
                "example_job": "example job",
            },
        ),
    )


def _gantt_slowest(ctx: _Context, slowest: int) -> str:
    from smstatus.plotting import gantt_figsize, plot_gantt

    slow_names = ctx.phases.sort_values("wall_s", ascending=False)["job_name"].head(slowest)
    fig, ax = _figure(*gantt_figsize(len(slow_names)))
    plot_gantt(
        ctx.history,
        ax=ax,
        jobs=list(slow_names),
        sort_by="wall",
        align="start",
        as_of=ctx.as_of,
        machine=ctx.machine,
        violations=ctx.report,
    )
    return _section(
        "gantt-slowest",
        f"<p>The {len(slow_names)} jobs with the longest wall time, each from its own start, "
        "longest on top: which phase made them slow. Hatched bars are still open; marks show "
        "violations.</p>" + _img(_png(fig), "Gantt of the slowest jobs"),
    )


WAIT_STATUSES = ["Starting", "Pending"]
"""The statuses in which a job waits for its instances (capacity)."""


def _gantt_aligned(ctx: _Context, aligned_sample: int) -> str:
    from smstatus.plotting import gantt_figsize, plot_gantt

    rng = np.random.default_rng(0)
    names = ctx.history.jobs["job_name"].to_numpy()
    pick = (
        names[np.sort(rng.choice(len(names), size=min(aligned_sample, len(names)), replace=False))]
        if len(names)
        else names
    )
    fig, ax = _figure(*gantt_figsize(len(pick)))
    plot_gantt(
        ctx.history,
        ax=ax,
        jobs=list(pick),
        sort_by=WAIT_STATUSES,
        align="start",
        as_of=ctx.as_of,
        machine=ctx.machine,
    )
    return _section(
        "gantt-aligned",
        f"<p>A random sample of {len(pick)} jobs, each starting at 0, sorted by the time they "
        "waited for their instances (Starting and Pending together), the longest waits on top: "
        "the shapes of many jobs compare at a glance.</p>"
        + _img(_png(fig), "Gantt of a sample aligned at the start"),
    )


def _distributions(ctx: _Context) -> str:
    from smstatus.plotting import plot_durations

    wanted = ("Starting", "Pending", "Downloading", "Training", "Uploading")
    shown = [s for s in wanted if s in ctx.main_phases]
    pictures = ""
    if shown:
        fig, ax = _figure(12, 4.6)
        plot_durations(
            ctx.history,
            ax=ax,
            kind="ecdf",
            log=True,
            statuses=shown,
            as_of=ctx.as_of,
            machine=ctx.machine,
        )
        pictures += _img(_png(fig), "cumulative distribution of the main phases' durations")
        fig, ax = _figure(12, max(4.0, 0.9 * len(shown) + 1.2))
        plot_durations(
            ctx.history,
            ax=ax,
            kind="box",
            by="spot",
            log=True,
            statuses=shown,
            as_of=ctx.as_of,
            machine=ctx.machine,
        )
        pictures += _img(_png(fig), "main phases' durations, on-demand against spot")
    return _section(
        "distributions",
        "<p>Above: the cumulative distribution of the main phases' durations (the share of "
        "entries that took at most so long). Below: the same phases, on-demand against "
        "spot.</p>" + pictures,
    )


def _machine(ctx: _Context) -> str:
    from smstatus.analysis.edges import observed_edges
    from smstatus.plotting import plot_machine

    edges = observed_edges(ctx.history, machine=ctx.machine)
    ctx.frames["edges"] = edges
    fig, ax = _figure(14, 8)
    plot_machine(ctx.machine, history=ctx.history, ax=ax)
    unseen = edges[(edges["count"] == 0)]
    missing = edges[~edges["in_machine"].astype(bool)].drop(columns=["in_machine", "basis"])
    return _section(
        "machine",
        "<p>The legal machine, statuses laid out by lifecycle: dashed edges rest on inference "
        "only, faded ones are never taken in the data; labels give how often an edge is taken "
        "and the median time in its source status before. What the data does outside the "
        "machine is summarised in red: the most taken illegal edges, and the statuses the "
        "machine does not know.</p>"
        + _img(_png(fig), "the machine annotated with the data")
        + '<div class="grid"><div>'
        + f"<h3>Edges in the data, not in the machine ({len(missing)})</h3>"
        + _table(
            missing,
            seconds=("median_s",),
            left=("source", "dest"),
            headers={"count": "times taken", "median_s": "median time in source"},
            scroll=True,
        )
        + f"</div><div><h3>Machine edges never seen ({len(unseen)})</h3>"
        + _table(unseen[["source", "dest", "basis"]], left=("source", "dest", "basis"), scroll=True)
        + "</div></div>",
    )


def _main_phases(stats: pd.DataFrame, n_jobs: int, machine: StatusMachine) -> list[str]:
    """Statuses of the machine, neither terminal nor deprecated, seen in at least 1% of jobs,
    in lifecycle order."""
    skip = machine.terminal | machine.deprecated
    status = stats["status"].astype(str)
    keep = (
        (stats["count"] >= max(1, 0.01 * n_jobs))
        & ~status.isin(skip)
        & status.isin(machine.statuses)
    )
    return [str(s) for s in status[keep]]


def _median_by_group(
    stats: pd.DataFrame, group: str, phases: list[str], jobs: pd.DataFrame
) -> pd.DataFrame:
    """One row per group: its number of jobs, then the median seconds of each phase."""
    keep = stats[stats["status"].astype(str).isin(phases)]
    wide = keep.pivot_table(
        index=group, columns="status", values="p50_s", aggfunc="first", observed=True, dropna=False
    )
    wide = wide.reindex(columns=[p for p in phases if p in wide.columns])
    wide.columns = [str(c) for c in wide.columns]
    out = wide.reset_index()
    labels = out[group].astype(object).where(out[group].notna(), "unknown").astype(str)
    counts = jobs[group].astype(object).where(jobs[group].notna(), "unknown").astype(str)
    out[group] = labels
    out.insert(1, "jobs", labels.map(counts.value_counts()).fillna(0).astype(int))
    return out[[group, "jobs", *wide.columns]]


def _section(section_id: str, content: str) -> str:
    title = dict(REPORT_SECTIONS)[section_id]
    return f'<section id="{section_id}"><h2>{html.escape(title)}</h2>{content}</section>'
