"""The report page: every section, every frame, and every image decoded in a real browser."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smstatus.report.page import REPORT_SECTIONS, build_report, human_seconds


@pytest.fixture(scope="module")
def small_fleet():
    from smstatus.simulation.sample import load_sample

    history = load_sample()
    names = history.jobs["job_name"].iloc[::10]  # a stride: every era, running jobs included
    return history.select(list(names))


@pytest.fixture(scope="module")
def report(small_fleet, tmp_path_factory):
    return build_report(small_fleet, tmp_path_factory.mktemp("report"))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.images: list[str] = []
        self.images_in: dict[str, int] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
            self.images_in[self.ids[-1]] = self.images_in.get(self.ids[-1], 0) + 1
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            if value.startswith(("http:", "https:", "//")):
                self.external.append(value)


def test_every_section_and_image_is_in_the_page(report):
    page = _Page()
    page.feed(report.path.read_text(encoding="utf-8"))
    assert page.ids == [sid for sid, _ in REPORT_SECTIONS]
    pictured = {
        "phases",
        "bottlenecks",
        "trend",
        "gantt-slowest",
        "gantt-aligned",
        "distributions",
        "machine",
    }
    assert set(page.images_in) == pictured
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert page.external == []  # readable offline, no network


def test_frames_are_written_beside_the_page(report, small_fleet):
    names = {p.name for p in report.frames.values()}
    for expected in (
        "violations.csv",
        "phase_table.csv",
        "duration_stats.csv",
        "duration_stats_by_instance_type.csv",
        "duration_stats_by_spot.csv",
        "variants.csv",
        "edges.csv",
        "phase_trend.csv",
        "jobs.csv",
        "transitions.csv",
    ):
        assert expected in names
        assert (report.path.parent / expected).is_file()
    jobs = pd.read_csv(report.path.parent / "jobs.csv")
    assert len(jobs) == small_fleet.n_jobs
    phases = pd.read_csv(report.path.parent / "phase_table.csv")
    assert len(phases) == small_fleet.n_jobs


def test_the_page_names_the_numbers(report, small_fleet):
    text = report.path.read_text(encoding="utf-8")
    assert f"{small_fleet.n_jobs:,}" in text
    assert "Worst violations" in text and "as_of" in text


def test_warm_starts_are_compared_when_the_data_holds_some(report, small_fleet):
    from smstatus.analysis.phases import phase_table

    assert "warm-starts" in report.sections
    table = pd.read_csv(report.frames["warm_starts"]).set_index("start")
    phases = phase_table(small_fleet)
    warm = phases["warm_start"].fillna(False).astype(bool)
    cold = (phases["warm_start"] == False).fillna(False).astype(bool)  # noqa: E712
    for label, mask in (("warm start", warm), ("cold start", cold)):
        seconds = phases.loc[mask, "to_first_training_s"]
        assert table.loc[label, "jobs"] == mask.sum()
        assert table.loc[label, "reached_training"] == seconds.notna().sum()
        waiting = mask & seconds.isna().reindex(mask.index, fill_value=False) & phases["censored"]
        assert table.loc[label, "before_training"] == waiting.sum()
        if not waiting.any():  # without censoring, Kaplan-Meier gives the plain quantile
            expected = np.quantile(seconds.dropna(), 0.5, method="inverted_cdf")
            assert table.loc[label, "median_to_first_training_s"] == pytest.approx(expected)
    # warm pools save start-up time in the sample
    medians = table["median_to_first_training_s"]
    assert medians["warm start"] < medians["cold start"]
    text = report.path.read_text(encoding="utf-8")
    assert 'href="#warm-starts"' in text and "Found matching resource for reuse" in text


def test_no_warm_start_section_without_warm_starts(small_fleet, tmp_path):
    cold = small_fleet.jobs["job_name"][small_fleet.jobs["warm_start"] == False]  # noqa: E712
    history = small_fleet.select(list(cold.iloc[:40]))
    got = build_report(history, tmp_path, slowest=5, aligned_sample=10)
    page = _Page()
    text = got.path.read_text(encoding="utf-8")
    page.feed(text)
    assert "warm-starts" not in page.ids and "warm-starts" not in got.sections
    assert 'href="#warm-starts"' not in text and "warm_starts" not in got.frames
    assert page.ids == [sid for sid, _ in REPORT_SECTIONS if sid != "warm-starts"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5.0 s"), (93.4, "1.6 min"), (7200, "2.0 h"), (float("nan"), "–"), (float("inf"), "∞")],
)
def test_human_seconds(seconds, text):
    assert human_seconds(seconds) == text


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHECK = """<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  const ids = Array.from(document.querySelectorAll('section')).map(s => s.id).join(',');
  const out = document.createElement('pre');
  out.id = 'smstatus-check';
  out.textContent = `images=${imgs.length} decoded=${ok} sections=${ids}`;
  document.body.appendChild(out);
});
</script></body>"""


def test_page_renders_in_headless_chromium(report, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium could be installed (apt-get install chromium)")
    page = tmp_path / "checked.html"
    page.write_text(
        report.path.read_text(encoding="utf-8").replace("</body>", CHECK), encoding="utf-8"
    )
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r"images=(\d+) decoded=(\d+) sections=([\w,-]+)", done.stdout)
    assert match, done.stderr[-2000:]
    images, decoded, sections = int(match[1]), int(match[2]), match[3].split(",")
    assert images >= 6 and decoded == images
    assert sections == [sid for sid, _ in REPORT_SECTIONS]


def test_cli_report_on_the_sample_subset(tmp_path, small_fleet):
    from smstatus.cli import main
    from smstatus.io.describe import write_describe_jsonl

    src = tmp_path / "fleet.jsonl"
    write_describe_jsonl(small_fleet.select(list(small_fleet.job_names[:120])), src)
    out = tmp_path / "out"
    assert main(["report", str(src), "-o", str(out), "--no-progress"]) == 0
    assert (out / "index.html").is_file()
    assert main(["report", str(tmp_path / "missing.jsonl"), "-o", str(out)]) == 2


def test_report_html_is_escaped(tmp_path):
    from smstatus.history import JobHistory

    h = JobHistory.from_transitions(
        "<script>alert(1)</script>",
        [
            {
                "Status": "Starting",
                "StartTime": "2024-01-01T00:00:00Z",
                "EndTime": "2024-01-01T00:05:00Z",
            },
            {"Status": "Training", "StartTime": "2024-01-01T00:05:00Z"},
        ],
        training_job_status="InProgress",
        secondary_status="Training",
    )
    result = build_report(h, tmp_path)
    assert "<script>alert(1)</script>" not in Path(result.path).read_text(encoding="utf-8")


def _section_text(report, sid):
    page = report.path.read_text(encoding="utf-8")
    start = page.index(f'<section id="{sid}">')
    return page[start : page.index("</section>", start)]


def test_tables_are_written_for_people_and_csvs_keep_full_precision(report):
    overview = _section_text(report, "overview")
    assert not re.search(r"\d\.\d{6}\+00:00", overview)  # no raw timestamps
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", overview)
    variants = _section_text(report, "variants")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", variants)
    assert "no" in cells and "0" not in cells  # loops read yes/no, not 0/1
    machine = _section_text(report, "machine")
    heads = re.findall(r"<th[^>]*>(.*?)</th>", machine.split("not in the machine (", 1)[1])
    assert "in_machine" not in heads[:4]  # constant by construction: left out
    csv = pd.read_csv(report.path.parent / "duration_stats.csv")
    assert "max_s" in csv.columns and csv["mean_s"].map(lambda v: v != round(v, 2)).any()


def test_each_number_says_what_it_counts(report, small_fleet):
    overview = _section_text(report, "overview")
    assert "jobs with an open entry" in overview
    phases = _section_text(report, "phases")
    assert "longest entry" in phases and "max_s" not in phases
    bottlenecks = _section_text(report, "bottlenecks")
    assert "job&#x27;s total time in the phase" in bottlenecks or (
        "job's total time in the phase" in bottlenecks
    )
    aligned = _section_text(report, "gantt-aligned")
    assert "Starting and Pending together" in aligned and "longest waits on top" in aligned


def test_the_aligned_gantt_puts_the_longest_waits_on_top():
    from matplotlib.figure import Figure

    from smstatus.plotting import plot_gantt
    from smstatus.report.page import WAIT_STATUSES

    h = smstatus_history_with_waits()
    ax = plot_gantt(h, ax=Figure().add_subplot(), sort_by=WAIT_STATUSES, align="start")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["pending", "starting", "quick"]
    assert "Starting + Pending (longest on top)" in ax.get_title(loc="left")


def smstatus_history_with_waits():
    from _histories import chain
    from smstatus import JobHistory

    return JobHistory.concat(
        [
            chain("quick", [("Starting", 60), ("Training", 600), ("Completed", 0)]),
            chain("starting", [("Starting", 900), ("Training", 600), ("Completed", 0)]),
            chain(
                "pending",
                [("Starting", 60), ("Pending", 3600), ("Training", 600), ("Completed", 0)],
            ),
        ]
    )


def test_the_waits_over_time_section_and_its_csv(report, small_fleet):
    trend = pd.read_csv(report.path.parent / "phase_trend.csv")
    assert set(trend["status"]) <= {"Pending", "Starting"}
    starting = (small_fleet.transitions["status"].astype(str) == "Starting").sum()
    assert trend.loc[trend["status"] == "Starting", "entries"].sum() == starting
    assert "Waits over time" in _section_text(report, "trend")
