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

from smstatus.history import JobHistory
from smstatus.machine import StatusMachine, default_machine

__all__ = ["REPORT_SECTIONS", "Report", "build_report"]

REPORT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("validation", "Validation"),
    ("phases", "Where the time goes"),
    ("bottlenecks", "Bottlenecks"),
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


def _png(ax_or_fig: Any, *, dpi: int = 110) -> str:
    """Render a figure (or an Axes' figure) to a base64 PNG data URI and close it."""
    import matplotlib.pyplot as plt

    fig = (
        ax_or_fig.figure
        if hasattr(ax_or_fig, "figure") and not hasattr(ax_or_fig, "savefig")
        else ax_or_fig
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _img(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def human_seconds(value: float) -> str:
    """``93.4`` -> ``"1.6 min"``; readable durations for tables."""
    if value is None or pd.isna(value):
        return "–"
    value = float(value)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value:.0f} s" if abs(value) >= 10 else f"{value:.1f} s"


def _table(
    frame: pd.DataFrame,
    *,
    seconds: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    left: tuple[str, ...] = (),
    scroll: bool = False,
    max_rows: int = 60,
) -> str:
    frame = frame.head(max_rows)
    head = "".join(
        f'<th class="{"l" if c in left else ""}">{html.escape(str(c))}</th>' for c in frame.columns
    )
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for col, v in zip(frame.columns, values, strict=True):
            if col in seconds:
                text = human_seconds(v)
            elif col in percent:
                text = "–" if pd.isna(v) else f"{100 * float(v):.1f}%"
            elif isinstance(v, float | np.floating):
                text = "–" if pd.isna(v) else f"{v:,.2f}"
            elif isinstance(v, int | np.integer):
                text = f"{v:,}"
            else:
                text = "–" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
            klass = ""
            if col in left:
                klass = "l"
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


def build_report(
    history: JobHistory,
    out_dir: str | Path,
    *,
    machine: StatusMachine | None = None,
    strict: bool = False,
    as_of: Any = None,
    title: str = "SageMaker training jobs: status report",
    slowest: int = 40,
    aligned_sample: int = 150,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Write ``index.html`` and the CSV frames of a history into ``out_dir``.

    Parameters
    ----------
    history
        The jobs to report on.
    out_dir
        Folder to write into (created when missing).
    machine
        The machine to validate against (default: edge table v1).
    strict
        Edges resting only on inference are errors.
    as_of
        Time up to which open entries are measured (default: the latest time in the data).
    slowest, aligned_sample
        Lanes in the Gantt of the slowest jobs and in the aligned sample.
    progress
        Called with the name of each step as it starts (for a progress bar).

    Returns
    -------
    Report
        The page's path and the CSV files written.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from smstatus.bottlenecks import bottlenecks, variants
    from smstatus.durations import duration_stats, durations, phase_table
    from smstatus.edges import observed_edges
    from smstatus.plotting import plot_bottlenecks, plot_durations, plot_gantt, plot_machine
    from smstatus.validate import validate

    step = progress or (lambda _name: None)
    machine = machine or default_machine()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames: dict[str, pd.DataFrame] = {}
    body: list[str] = []

    step("validating")
    report = validate(history, machine=machine, strict=strict)
    step("measuring durations")
    dur = durations(history, as_of=as_of)
    as_of_used = dur.attrs.get("as_of")
    phases = phase_table(history, as_of=as_of_used)
    frames.update(phase_table=phases, violations=report.violations)

    # -- overview --------------------------------------------------------------------------
    n_jobs = history.n_jobs
    jobs = history.jobs
    status_counts = jobs["training_job_status"].astype(object).fillna("unknown").value_counts()
    first = history.transitions["start_time"].min()
    last = as_of_used
    n_bad = int(n_jobs - len(report.valid_jobs)) if hasattr(report, "valid_jobs") else 0
    wall = phases["wall_s"] if "wall_s" in phases else pd.Series(dtype=float)
    cards = [
        _card(f"{n_jobs:,}", "jobs"),
        _card(f"{len(history.transitions):,}", "status entries"),
        _card(f"{n_jobs - n_bad:,}", "jobs without errors", "good"),
        _card(f"{n_bad:,}", "jobs with errors", "bad" if n_bad else "good"),
        _card(human_seconds(wall.median()), "median wall time"),
        _card(f"{int(phases['censored'].sum()) if 'censored' in phases else 0:,}", "still running"),
    ]
    if len(history.unparsed):
        cards.append(_card(f"{len(history.unparsed):,}", "records not loaded", "bad"))
    overview = (
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="note">Entries from {html.escape(str(first))} to {html.escape(str(last))}; '
        f"open entries are measured up to {html.escape(str(as_of_used))} (as_of). Machine "
        f"{html.escape(machine.version)}{' (strict)' if strict else ''}.</p>"
        "<h3>Jobs by primary status</h3>"
        + _table(
            status_counts.rename_axis("primary status").reset_index(name="jobs"),
            left=("primary status",),
        )
    )
    body.append(_section("overview", overview))

    # -- validation ------------------------------------------------------------------------
    summary = report.summary()
    frames["validation_summary"] = summary
    sev_order = {"error": 0, "warning": 1, "info": 2}
    worst = (
        report.violations.assign(_o=report.violations["severity"].astype(object).map(sev_order))
        .sort_values(["_o", "job_name", "step"], kind="stable")
        .drop(columns="_o")
    )
    validation = (
        f"<p>{'No error-severity violation.' if report.ok else 'Some jobs break the machine.'} "
        "Codes are stable strings; <code>info</code> rows show how much of the data rests on "
        "inferred edges, repeats and deprecated statuses.</p>"
        + _table(
            summary.reset_index() if summary.index.name else summary, left=("code", "severity")
        )
        + "<h3>Worst violations</h3>"
        + _table(worst.head(50), left=("job_name", "code", "severity", "message"), scroll=True)
    )
    body.append(_section("validation", validation))

    # -- phases ----------------------------------------------------------------------------
    step("computing statistics")
    stats_all = duration_stats(history, as_of=as_of_used)
    by_type = duration_stats(history, by="instance_type", as_of=as_of_used)
    by_spot = duration_stats(history, by="spot", as_of=as_of_used)
    frames.update(
        duration_stats=stats_all,
        duration_stats_by_instance_type=by_type,
        duration_stats_by_spot=by_spot,
    )
    sec_cols = tuple(c for c in stats_all.columns if c.endswith("_s"))
    main_phases = _main_phases(stats_all, history.n_jobs)
    type_view = _median_by_group(by_type, "instance_type", main_phases, history.jobs)
    spot_view = _median_by_group(by_spot, "spot", main_phases, history.jobs)
    phases_html = (
        "<p>Per status: how many entries, how many still open (censored), and the mean, "
        "percentiles and maximum of their durations.</p>"
        + _table(stats_all, seconds=sec_cols, left=("status",))
        + "<h3>Median seconds in each phase, by instance type</h3>"
        + _table(
            type_view,
            seconds=tuple(main_phases),
            left=("instance_type",),
            scroll=True,
            max_rows=200,
        )
        + "<h3>Median seconds in each phase, on-demand and spot</h3>"
        + _table(spot_view, seconds=tuple(main_phases), left=("spot",))
        + '<p class="note">Every percentile of every group is in '
        "duration_stats_by_instance_type.csv and duration_stats_by_spot.csv.</p>"
    )
    n_rows = int((stats_all["count"] > 0).sum()) if "count" in stats_all else 12
    _fig, ax = plt.subplots(figsize=(12, max(4.5, 0.42 * n_rows + 1.2)))
    plot_durations(history, ax=ax, kind="box", log=True)
    phases_html += _img(_png(ax), "distribution of each phase's duration")
    body.append(_section("phases", phases_html))

    # -- bottlenecks -----------------------------------------------------------------------
    step("finding bottlenecks")
    bn = bottlenecks(history, by="instance_type", as_of=as_of_used)
    frames.update(
        bottlenecks_per_job=bn.per_job, bottleneck_shares=bn.shares, slowest_per_phase=bn.slowest
    )
    n_types = int(history.jobs["instance_type"].nunique(dropna=False))
    _fig, ax = plt.subplots(figsize=(12, max(3.5, 0.38 * n_types + 1.5)))
    plot_bottlenecks(history, ax=ax, by="instance_type", as_of=as_of_used)
    by_type_png = _png(ax)
    _fig, ax = plt.subplots(figsize=(12, 3.2))
    plot_bottlenecks(history, ax=ax, by="spot", as_of=as_of_used)
    by_spot_png = _png(ax)
    counts = (
        bn.per_job["bottleneck"]
        .astype(object)
        .value_counts()
        .rename_axis("bottleneck phase")
        .reset_index(name="jobs")
    )
    bottleneck_html = (
        "<p>Where the time outside Training goes, per group: each bar is the share of the "
        "group's time in each phase. Below, per job, the phase that took the longest.</p>"
        + _img(by_type_png, "share of time per phase by instance type")
        + _img(by_spot_png, "share of time per phase, on-demand and spot")
        + '<div class="grid"><div><h3>Jobs by their bottleneck phase</h3>'
        + _table(counts, left=("bottleneck phase",))
        + "</div><div><h3>The slowest jobs per phase</h3>"
        + _table(bn.slowest, seconds=("seconds",), left=("status", "job_name"), scroll=True)
        + "</div></div>"
    )
    body.append(_section("bottlenecks", bottleneck_html))

    # -- variants --------------------------------------------------------------------------
    var = variants(history)
    frames["variants"] = var
    body.append(
        _section(
            "variants",
            "<p>Distinct status sequences (repeats collapsed), most common first; loops show "
            "restarts and spot interruptions.</p>"
            + _table(
                var.head(15),
                seconds=("median_wall_s",),
                percent=("share",),
                left=("variant", "example_job"),
            ),
        )
    )

    # -- gantt -----------------------------------------------------------------------------
    step("drawing Gantt charts")
    from smstatus.plotting import gantt_figsize

    slow_names = phases.sort_values("wall_s", ascending=False)["job_name"].head(slowest)
    _fig, ax = plt.subplots(figsize=gantt_figsize(len(slow_names)))
    plot_gantt(
        history,
        ax=ax,
        jobs=list(slow_names),
        sort_by="wall",
        align="start",
        as_of=as_of_used,
        violations=report,
    )
    body.append(
        _section(
            "gantt-slowest",
            f"<p>The {len(slow_names)} jobs with the longest wall time, each from its own start: "
            "which phase made them slow. Hatched bars are still open; marks show violations.</p>"
            + _img(_png(ax), "Gantt of the slowest jobs"),
        )
    )
    rng = np.random.default_rng(0)
    names = history.jobs["job_name"].to_numpy()
    pick = (
        names[np.sort(rng.choice(len(names), size=min(aligned_sample, len(names)), replace=False))]
        if len(names)
        else names
    )
    _fig, ax = plt.subplots(figsize=gantt_figsize(len(pick)))
    plot_gantt(history, ax=ax, jobs=list(pick), sort_by="Starting", align="start", as_of=as_of_used)
    body.append(
        _section(
            "gantt-aligned",
            f"<p>A random sample of {len(pick)} jobs, each starting at 0, sorted by time in "
            "Starting (capacity waits on top): the shapes of many jobs compare at a glance.</p>"
            + _img(_png(ax), "Gantt of a sample aligned at the start"),
        )
    )

    # -- distributions ---------------------------------------------------------------------
    shown = [
        s
        for s in ("Starting", "Pending", "Downloading", "Training", "Uploading")
        if s in main_phases
    ]
    pictures = ""
    if shown:
        _fig, ax = plt.subplots(figsize=(12, 4.6))
        plot_durations(history, ax=ax, kind="ecdf", log=True, statuses=shown)
        pictures += _img(_png(ax), "cumulative distribution of the main phases' durations")
        _fig, ax = plt.subplots(figsize=(12, max(4.0, 0.9 * len(shown) + 1.2)))
        plot_durations(history, ax=ax, kind="box", by="spot", log=True, statuses=shown)
        pictures += _img(_png(ax), "main phases' durations, on-demand against spot")
    body.append(
        _section(
            "distributions",
            "<p>Above: the cumulative distribution of the main phases' durations (the share of "
            "entries that took at most so long). Below: the same phases, on-demand against "
            "spot.</p>" + pictures,
        )
    )

    # -- machine ---------------------------------------------------------------------------
    step("drawing the machine")
    edges = observed_edges(history, machine=machine)
    frames["edges"] = edges
    _fig, ax = plt.subplots(figsize=(14, 8))
    plot_machine(machine, history=history, ax=ax)
    unseen = edges[(edges["count"] == 0)]
    missing = edges[~edges["in_machine"].astype(bool)]
    body.append(
        _section(
            "machine",
            "<p>Statuses laid out by lifecycle; dashed edges rest on inference only; labels give "
            "how often each edge occurs in the data and the median time before it. Edges in red "
            "occur in the data but are not in the machine.</p>"
            + _img(_png(ax), "the machine annotated with the data")
            + '<div class="grid"><div>'
            + f"<h3>Edges in the data, not in the machine ({len(missing)})</h3>"
            + _table(missing, seconds=("median_s",), left=("source", "dest", "basis"))
            + f"</div><div><h3>Machine edges never seen ({len(unseen)})</h3>"
            + _table(
                unseen[["source", "dest", "basis"]], left=("source", "dest", "basis"), scroll=True
            )
            + "</div></div>",
        )
    )

    # -- write -----------------------------------------------------------------------------
    step("writing")
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=not isinstance(frame.index, pd.RangeIndex))
        written[name] = path
    for name, frame in (("jobs", history.jobs), ("transitions", history.transitions)):
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        written[name] = path
    nav = "".join(f'<a href="#{sid}">{html.escape(t)}</a>' for sid, t in REPORT_SECTIONS)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    from smstatus import __version__

    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{n_jobs:,} jobs · machine "
        f"{html.escape(machine.version)} · generated {stamp} by smstatus {__version__}</p>"
        f"</header><nav>{nav}</nav><main>{''.join(body)}</main>"
        "<footer>Frames behind every section: "
        + ", ".join(f'<a href="{p.name}">{p.name}</a>' for p in written.values())
        + "</footer></body></html>"
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return Report(path=index, frames=written, sections=tuple(s for s, _ in REPORT_SECTIONS))


def _main_phases(stats: pd.DataFrame, n_jobs: int) -> list[str]:
    """Known, current, non-terminal statuses seen in at least 1% of jobs, in lifecycle order."""
    from smstatus.status import DEPRECATED_STATUSES, TERMINAL_STATUSES, is_known_status

    skip = {t.value for t in TERMINAL_STATUSES} | {d.value for d in DEPRECATED_STATUSES}
    status = stats["status"].astype(str)
    keep = (
        (stats["count"] >= max(1, 0.01 * n_jobs))
        & ~status.isin(skip)
        & status.map(is_known_status).astype(bool)
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
