"""smstatus.dask.load: the same history as the in-memory loader, in partitions of whole jobs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from _dask_compare import assert_same_history
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dask
import smstatus
import smstatus.dask
from smstatus.errors import InputNotFoundError, ParseError
from smstatus.simulation.sample import sample_path

DATA = Path(__file__).parents[1] / "data"
BAD_EVERY = 13  # a malformed line after every 13th response


def _fleet_lines(n: int, seed: int) -> tuple[list[str], list[int]]:
    """JSON Lines of a simulated fleet with corrupt histories and malformed lines; the line
    numbers (1-based) of the malformed ones."""
    lines: list[str] = []
    bad: list[int] = []
    for i, record in enumerate(smstatus.simulate(n, seed=seed, corrupt_share=0.3)):
        lines.append(json.dumps(record))
        if i % BAD_EVERY == 5:
            lines.append('{"TrainingJobName": "cut-' + str(i))
            bad.append(len(lines))
    return lines, bad


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("fleet") / "fleet.jsonl"
    lines, bad = _fleet_lines(80, seed=7)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, bad


def _sync(history: smstatus.dask.DaskHistory) -> smstatus.JobHistory:
    return history.compute(scheduler="sync")


def test_the_bundled_sample_loads_as_in_memory():
    assert_same_history(smstatus.load(sample_path()), _sync(smstatus.dask.load(sample_path())))


@pytest.mark.parametrize("blocksize", [3000, 40_000, "128MiB"])
def test_a_fleet_cut_into_blocks_loads_as_in_memory(fleet, blocksize):
    path, _ = fleet
    dh = smstatus.dask.load(path, blocksize=blocksize)
    if blocksize == 3000:
        assert dh.npartitions > 40  # many blocks: responses and line ends fall on their edges
    assert_same_history(smstatus.load(path, errors="collect"), _sync(dh))


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blocksize=st.integers(min_value=1, max_value=100_000))
def test_any_blocksize_gives_the_in_memory_history(fleet, blocksize):
    path, _ = fleet
    expected = smstatus.load(path, errors="collect")
    dh = smstatus.dask.load(path, blocksize=max(blocksize, 4000))  # at most ~45 blocks
    assert_same_history(expected, _sync(dh))


def test_rejects_name_the_file_and_the_line_they_are_on(fleet):
    path, bad = fleet
    got = _sync(smstatus.dask.load(path, blocksize=6000))
    assert got.unparsed["file"].tolist() == [str(path)] * len(bad)
    assert got.unparsed["line"].tolist() == bad


def test_a_file_given_twice_numbers_its_lines_from_1_each_time(fleet):
    path, bad = fleet
    got = _sync(smstatus.dask.load(path, path, blocksize=6000))
    lines = got.unparsed["line"].dropna().tolist()
    assert lines == bad + bad


def test_errors_raise_names_the_true_line_of_a_later_block(fleet):
    path, bad = fleet
    with pytest.raises(ParseError) as caught:
        _sync(smstatus.dask.load(path, blocksize=6000, errors="raise"))
    assert caught.value.file == str(path)
    assert caught.value.line in bad


def test_a_gzip_file_is_one_partition(tmp_path, fleet):
    path, bad = fleet
    gz = tmp_path / "fleet.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    dh = smstatus.dask.load(gz, blocksize=6000)
    assert dh.npartitions == 1
    got = _sync(dh)
    assert_same_history(smstatus.load(gz, errors="collect"), got)
    assert got.unparsed["line"].tolist() == bad


def test_a_cut_gzip_file_is_a_reject_after_its_readable_records(tmp_path, fleet):
    path, _ = fleet
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes())[:5000])
    got = _sync(smstatus.dask.load(gz))
    assert_same_history(smstatus.load(gz, errors="collect"), got)
    assert got.unparsed["reason"].str.contains("ends early").any()


def test_small_files_are_packed_and_read_as_in_memory(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i, record in enumerate(smstatus.simulate(30, seed=2)):
        (folder / f"job-{i:03d}.json").write_text(json.dumps(record))
    shutil.copytree(DATA / "sdk-logs", folder / "logs")
    (folder / ".hidden.json").write_text("not json")
    dh = smstatus.dask.load(folder, blocksize="16KiB")
    assert 1 < dh.npartitions < 30
    assert_same_history(smstatus.load(folder, errors="collect"), _sync(dh))


def test_events_of_a_job_spread_over_files_count_once(tmp_path):
    event = json.loads((DATA / "events" / "eventbridge-doc-sample-completed.json").read_text())
    older = json.loads(json.dumps(event))
    older["time"] = "2019-01-01T00:00:00Z"
    older["detail"]["SecondaryStatusTransitions"] = older["detail"]["SecondaryStatusTransitions"][
        :1
    ]
    (tmp_path / "a.json").write_text(json.dumps(event))
    (tmp_path / "b.json").write_text(json.dumps(older))
    got = _sync(smstatus.dask.load(tmp_path, blocksize=10))
    assert_same_history(smstatus.load(tmp_path), got)
    assert got.n_jobs == 1


def test_a_job_in_two_partitions_is_a_reject_naming_both_places(tmp_path):
    record = smstatus.simulate(1, seed=4)[0]
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(record))
    got = _sync(smstatus.dask.load(tmp_path, blocksize=10))
    assert got.n_jobs == 2  # both copies loaded, as in memory
    assert len(got.unparsed) == 1
    reject = got.unparsed.iloc[0]
    assert reject["file"] == str(tmp_path / "b.json")
    assert str(tmp_path / "a.json") in reject["reason"]
    assert record["TrainingJobName"] in reject["reason"]


def _file_with_a_copy(tmp_path):
    """JSON Lines of 30 jobs and, at its end, a copy of the first one."""
    records = smstatus.simulate(30, seed=4)
    path = tmp_path / "fleet.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*records, records[0]]) + "\n")
    return path, records[0]["TrainingJobName"]


def test_a_job_in_two_blocks_of_a_file_is_a_reject_naming_both(tmp_path):
    path, name = _file_with_a_copy(tmp_path)
    loaded = smstatus.dask.load(path, blocksize=20_000)
    assert loaded.npartitions > 3
    got = _sync(loaded)
    assert got.n_jobs == 31
    assert len(got.unparsed) == 1
    reason = got.unparsed.iloc[0]["reason"]
    assert f"the job {name!r} is also in {path} (bytes from 0)" in reason
    assert got.unparsed.iloc[0]["file"].startswith(f"{path} (bytes from ")


def test_every_copy_of_a_job_in_two_partitions_is_invalid_as_in_memory(tmp_path):
    path, name = _file_with_a_copy(tmp_path)
    in_memory = smstatus.validate(smstatus.load(path))
    with dask.config.set(scheduler="sync"):
        report = smstatus.validate(smstatus.dask.load(path, blocksize=20_000))
    assert (report.n_jobs, report.n_valid) == (in_memory.n_jobs, in_memory.n_valid)
    assert report.valid_history().compute().n_jobs == in_memory.n_valid
    assert name not in set(report.valid_history().compute().job_names)
    rows = report.violations.compute()
    named = rows[rows["code"].astype(str) == "unparsed_record"]["job_name"]
    assert list(named) == [name]


def test_names_that_share_a_hash_are_not_taken_for_one_job(tmp_path, monkeypatch):
    """The check compares 64-bit hashes, then reads the names again: a collision of two names
    is no reject, a true copy still is."""
    from smstatus.dask import readers

    monkeypatch.setattr(readers, "_hashes_of", lambda names: np.zeros(len(names), np.uint64))
    path, name = _file_with_a_copy(tmp_path)
    got = _sync(smstatus.dask.load(path, blocksize=20_000))
    assert len(got.unparsed) == 1
    assert repr(name) in got.unparsed.iloc[0]["reason"]
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")  # no copy
    assert len(_sync(smstatus.dask.load(path, blocksize=20_000)).unparsed) == 0


def test_a_job_twice_in_one_partition_is_left_to_validation(tmp_path):
    record = json.dumps(smstatus.simulate(1, seed=4)[0])
    path = tmp_path / "twice.jsonl"
    path.write_text(record + "\n" + record + "\n")
    got = _sync(smstatus.dask.load(path))
    assert_same_history(smstatus.load(path), got)
    assert "duplicate_job" in set(smstatus.validate(got).violations["code"].astype(str))


def test_a_table_is_read_with_its_jobs_table(tmp_path):
    history = smstatus.load(sample_path())
    from smstatus.io import write_table

    write_table(history, tmp_path / "t.parquet", jobs_path=tmp_path / "t.jobs.parquet")
    dh = smstatus.dask.load(tmp_path)
    assert dh.npartitions == 1  # the jobs table is read with its table, not on its own
    assert_same_history(smstatus.load(tmp_path), _sync(dh))


def test_inputs_that_cannot_be_read_are_rejects_or_errors(tmp_path):
    with pytest.raises(InputNotFoundError):
        smstatus.dask.load(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="standard input"):
        smstatus.dask.load("-")
    with pytest.raises(ValueError, match="at least one input"):
        smstatus.dask.load()
    with pytest.raises(ValueError, match="blocksize"):
        smstatus.dask.load(sample_path(), blocksize="lots")
    (tmp_path / "what.txt").write_text("neither JSON nor a log\n")
    got = _sync(smstatus.dask.load(tmp_path))
    assert_same_history(smstatus.load(tmp_path, errors="collect"), got)
    with pytest.raises(ParseError, match="cannot tell"):
        smstatus.dask.load(tmp_path, errors="raise")


def test_a_list_of_inputs_is_read_in_order(fleet):
    path, _ = fleet
    got = _sync(smstatus.dask.load([sample_path(), path], blocksize=5000))
    assert_same_history(smstatus.load([sample_path(), path], errors="collect"), got)


def test_a_distributed_cluster_gives_the_same_history(local_client, fleet):
    path, _ = fleet
    got = smstatus.dask.load(path, blocksize=12_000).compute()
    assert_same_history(smstatus.load(path, errors="collect"), got)


def test_nothing_is_read_until_computed(tmp_path, fleet):
    path, _ = fleet
    copy = tmp_path / "f.jsonl"
    shutil.copy(path, copy)
    dh = smstatus.dask.load(copy, blocksize=4000)
    copy.write_bytes(copy.read_bytes()[:4000])  # cut after the plan was made
    with dask.config.set(scheduler="sync"):
        got = dh.compute()
    assert got.n_jobs < 10


@pytest.fixture
def bucket(moto, monkeypatch):
    """An S3 bucket on the moto server, and the storage options that reach it."""
    pytest.importorskip("s3fs")
    import boto3

    from moto_server import fake_credentials

    fake_credentials(monkeypatch)
    moto.reset()
    s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1")
    s3.create_bucket(Bucket="histories")
    options = {"client_kwargs": {"endpoint_url": moto.url}}
    return s3, options


def test_s3_prefixes_and_globs_load_as_the_same_local_files(bucket, fleet, tmp_path):
    s3, options = bucket
    path, bad = fleet
    local = tmp_path / "local"
    local.mkdir()
    shutil.copy(path, local / "a.jsonl")
    (local / "b.jsonl.gz").write_bytes(sample_path().read_bytes())  # already gzip
    for name in ("a.jsonl", "b.jsonl.gz"):
        s3.put_object(Bucket="histories", Key=f"fleet/{name}", Body=(local / name).read_bytes())
    s3.put_object(Bucket="histories", Key="fleet/.hidden", Body=b"skipped")
    expected = smstatus.load(local, errors="collect")
    for url in ("s3://histories/fleet", "s3://histories/fleet/*.jsonl*"):
        got = _sync(smstatus.dask.load(url, blocksize=20_000, storage_options=options))
        assert_same_history(
            smstatus.JobHistory(expected.jobs, expected.transitions),
            smstatus.JobHistory(got.jobs, got.transitions),
        )
        assert got.unparsed["file"].tolist() == ["s3://histories/fleet/a.jsonl"] * len(bad)
        assert got.unparsed["line"].tolist() == bad


def test_a_missing_s3_prefix_is_input_not_found(bucket):
    _, options = bucket
    with pytest.raises(InputNotFoundError):
        smstatus.dask.load("s3://histories/nothing-here", storage_options=options)


def test_s3_without_s3fs_names_the_extra(monkeypatch):
    import sys

    from smstatus.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs raises ImportError
    with pytest.raises(MissingDependencyError, match=r"smstatus\[s3\]"):
        smstatus.dask.load("s3://histories/x.jsonl")


def test_a_gzip_bomb_in_s3_is_refused_as_in_memory(bucket, monkeypatch):
    """Remote gzip files go through the in-memory loader's gunzip: its expansion limit holds."""
    import smstatus.io.inputs

    s3, options = bucket
    monkeypatch.setattr(smstatus.io.inputs, "MAX_EXPANDED_BYTES", 1 << 20)
    record = b'{"TrainingJobName": "x", "pad": "' + b"a" * (4 << 20) + b'"}\n'
    s3.put_object(Bucket="histories", Key="bomb.jsonl.gz", Body=gzip.compress(record))
    got = _sync(smstatus.dask.load("s3://histories/bomb.jsonl.gz", storage_options=options))
    assert got.n_jobs == 0
    assert "expands past 1,048,576 bytes" in got.unparsed.iloc[0]["reason"]
