"""--scheduler/--workers: commands on a Dask cluster, with the in-memory outputs and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _dask_compare import assert_same_history

import dask
import smstatus
import smstatus.dask
from smstatus.cli import main
from smstatus.dask import from_history
from smstatus.io.describe import from_describe


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    """A corrupted fleet with two malformed lines, as JSON Lines."""
    path = tmp_path_factory.mktemp("cli-fleet") / "fleet.jsonl"
    lines = [json.dumps(r) for r in smstatus.simulate(60, seed=11, corrupt_share=0.3)]
    lines.insert(10, '{"cut')
    lines.insert(40, "[1, 2")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> Path:
    """Prices of some of the simulator's instance types (the others have none: a warning)."""
    path = tmp_path_factory.mktemp("cli-prices") / "prices.csv"
    path.write_text(
        "instance_type,hourly_price,spot_hourly_price\n"
        "ml.p3.2xlarge,3.825,1.2\nml.m5.xlarge,0.23,0.07\nml.g5.xlarge,1.4,0.5\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["validate", "--format", "json"],
        ["stats"],
        ["stats", "--format", "json"],
        ["stats", "--what", "durations"],
        ["stats", "--what", "bottlenecks", "--by", "instance_type,spot"],
        ["stats", "--what", "variants", "--format", "csv"],
        ["stats", "--what", "edges", "--format", "json"],
        ["stats", "--what", "phases", "--format", "csv"],
        ["stats", "--prices", "{prices}"],
        ["stats", "--what", "cost", "--prices", "{prices}", "--format", "csv"],
        ["stats", "--what", "trend", "--format", "csv"],
        ["stats", "--what", "trend", "--status", "Starting", "Downloading", "--by", "spot"],
        ["stats", "--what", "trend", "--freq", "W", "--format", "json", "--by", "instance_type"],
    ],
)
def test_a_command_on_a_cluster_prints_what_it_prints_in_memory(
    capsys, local_client, fleet, prices, command
):
    command = [str(prices) if arg == "{prices}" else arg for arg in command]
    address = local_client.scheduler.address
    in_memory = _run(capsys, [*command, str(fleet)])
    on_cluster = _run(capsys, [*command, str(fleet), "--scheduler", address])
    assert on_cluster[0] == in_memory[0] == 1
    assert on_cluster[1] == in_memory[1]
    assert on_cluster[2] == in_memory[2]


@pytest.mark.parametrize("what", ["km"])
def test_tables_the_engine_lacks_are_refused_in_one_line(capsys, local_client, fleet, what):
    address = local_client.scheduler.address
    code, out, err = _run(capsys, ["stats", str(fleet), "--what", what, "--scheduler", address])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"--what {what} does not run on a cluster" in err


@pytest.mark.parametrize(
    "options", [["--status", "Nonesuch"], ["--freq", "fortnight"], ["--status", "Pending", "Typo"]]
)
def test_a_bad_trend_option_is_the_in_memory_usage_error(capsys, local_client, fleet, options):
    command = ["stats", str(fleet), "--what", "trend", *options]
    in_memory = _run(capsys, command)
    on_cluster = _run(capsys, [*command, "--scheduler", local_client.scheduler.address])
    assert on_cluster == in_memory
    assert in_memory[0] == 2


def test_rejects_are_listed_on_stderr_and_exit_1(capsys, local_client, fleet, tmp_path):
    address = local_client.scheduler.address
    code, _, err = _run(
        capsys, ["convert", str(fleet), "-o", str(tmp_path / "ds"), "--scheduler", address]
    )
    assert code == 1
    assert f"{fleet}:11: malformed JSON line" in err
    assert f"{fleet}:41: malformed JSON line" in err


def test_convert_writes_a_dataset_both_engines_read(capsys, local_client, fleet, tmp_path):
    address = local_client.scheduler.address
    out = tmp_path / "fleet-ds"
    code, _, err = _run(capsys, ["convert", str(fleet), "-o", str(out), "--scheduler", address])
    assert code == 1, err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["part-00000.jobs.parquet", "part-00000.parquet"]
    expected = smstatus.load(fleet, errors="collect")
    back = smstatus.load(out)
    assert_same_history(smstatus.JobHistory(expected.jobs, expected.transitions), back)


def test_a_dataset_of_many_parts_round_trips(tmp_path):
    from smstatus.dask.dataset import write_dataset

    expected = from_describe(smstatus.simulate(200, seed=5, corrupt_share=0.2))
    summary = write_dataset(from_history(expected, 5), tmp_path / "ds")
    assert summary.parts == 5
    assert summary.n_jobs == expected.n_jobs
    parts = sorted(p.name for p in (tmp_path / "ds").iterdir())
    assert len(parts) == 10
    assert_same_history(expected, smstatus.load(tmp_path / "ds"))
    dh = smstatus.dask.load(tmp_path / "ds")
    pairs = dh.to_delayed()[:5]  # then the partition that checks for jobs in two of them
    got = dask.compute(*pairs, scheduler="sync")
    for i, part in enumerate(got):
        single = smstatus.load(tmp_path / "ds" / f"part-{i:05d}.parquet")
        assert_same_history(single, part)
    assert_same_history(expected, dh.compute(scheduler="sync"))


def test_a_dataset_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from smstatus.dask import dataset

    out = tmp_path / "ds"
    out.mkdir()
    (out / "previous.txt").write_text("kept")
    calls = []

    def failing(history, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return history.n_jobs, len(history.transitions), history.unparsed

    monkeypatch.setattr(dataset, "_write_part", failing)
    with dask.config.set(scheduler="sync"), pytest.raises(OSError):
        dataset.write_dataset(from_history(smstatus.load_sample(), 3), out)
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # no temporary left


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"], "not both"),
        (["--scheduler", "nonsense"], "is not the address of a Dask scheduler"),
        (["--workers", "0"], "at least 1"),
    ],
)
def test_cluster_options_that_cannot_run_exit_2_in_one_line(capsys, fleet, argv, message):
    code, _, err = _run(capsys, ["validate", str(fleet), *argv])
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unreachable_scheduler_is_one_line_and_exit_2(capsys, fleet, monkeypatch):
    from smstatus.dask import cluster

    monkeypatch.setattr(cluster, "DEFAULT_TIMEOUT", 0.5)
    code, _, err = _run(capsys, ["stats", str(fleet), "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert len(err.strip().splitlines()) == 1


def test_stdin_cannot_go_to_a_cluster(capsys):
    code, _, err = _run(capsys, ["validate", "-", "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "standard input" in err


def test_a_local_cluster_of_workers_runs_convert(capsys, fleet, tmp_path):
    code, _, err = _run(
        capsys, ["convert", str(fleet), "-o", str(tmp_path / "ds"), "--workers", "1"]
    )
    assert code == 1
    assert "Traceback" not in err
    expected = smstatus.load(fleet, errors="collect")
    assert smstatus.load(tmp_path / "ds").n_jobs == expected.n_jobs


def test_report_on_a_cluster_shows_a_sample_and_never_reads_its_output(
    capsys, local_client, fleet, tmp_path, monkeypatch
):
    from smstatus.cli import _cluster

    monkeypatch.setattr(_cluster, "REPORT_SAMPLE", 25)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "fleet.jsonl").write_bytes(fleet.read_bytes())
    out = folder / "report"
    argv = ["report", str(folder), "-o", str(out), "--no-progress"]
    argv += ["--scheduler", local_client.scheduler.address]
    first = _run(capsys, argv)
    assert first[0] == 1  # the malformed lines
    n_jobs = smstatus.load(fleet, errors="collect").n_jobs
    note = f"a sample of the first 25 of {n_jobs} jobs"
    assert note in first[2]
    assert note in (out / "index.html").read_text(encoding="utf-8")
    second = _run(capsys, argv)
    assert second == first  # the same rejects: none from the CSVs of the first report


@pytest.mark.parametrize("output", ["out.csv", "out.csv.gz", "OUT.JSONL"])
def test_convert_on_a_cluster_refuses_a_file_s_name(capsys, fleet, tmp_path, output):
    target = tmp_path / output
    code, _, err = _run(capsys, ["convert", str(fleet), "-o", str(target), "--workers", "1"])
    assert code == 2
    assert "writes a folder of Parquet parts" in err and err.count("\n") == 1
    assert not target.exists()
