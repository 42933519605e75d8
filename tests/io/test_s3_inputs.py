"""``s3://`` inputs: objects, prefixes and globs read as local files are, against moto's S3.

moto runs in server mode on 127.0.0.1 (``moto_server.py``); smstatus is pointed at it the way a
user points it at a custom endpoint: ``AWS_ENDPOINT_URL_S3`` (honoured by botocore), or
``storage_options``.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("s3fs")

import smstatus
from smstatus.cli import main
from smstatus.errors import InputNotFoundError, ParseError
from smstatus.io import expand_inputs

BUCKET = "smstatus-histories"


@pytest.fixture
def s3(moto, monkeypatch):
    """A clean moto S3 with one bucket, fake credentials, and the endpoint in the environment."""
    import boto3

    from moto_server import fake_credentials

    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto.url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    moto.reset()
    client = boto3.client("s3", endpoint_url=moto.url)
    client.create_bucket(Bucket=BUCKET)
    return client


def _upload(client, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            key = f"{prefix}/{path.relative_to(folder).as_posix()}"
            client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())


@pytest.fixture
def tree(tmp_path, data_dir) -> Path:
    """A folder of every source kind, with what a walk leaves out (hidden, pictures)."""
    top = tmp_path / "hist"
    (top / "logs").mkdir(parents=True)
    (top / ".cache").mkdir()
    shutil.copy(data_dir / "describe" / "desc-xgb-20250516.json", top / "a.json")
    shutil.copy(data_dir / "sdk-logs" / "sdk-deepar-20190314.log", top / "logs" / "b.log")
    shutil.copy(data_dir / "events" / "eventbridge-doc-sample-completed.json", top / "c.json")
    raw = (data_dir / "describe" / "desc-schematical-inprogress-20230405.json").read_bytes()
    (top / "d.json.gz").write_bytes(gzip.compress(raw))
    (top / "e.jsonl").write_text('{"TrainingJobName": "broken", \nnot json\n')
    (top / ".hidden.json").write_text("not read")
    (top / ".cache" / "x.json").write_text("not read")
    (top / "plot.png").write_bytes(b"\x89PNG not read")
    return top


def _same(remote: smstatus.JobHistory, local: smstatus.JobHistory, top: Path, url: str) -> None:
    pd.testing.assert_frame_equal(remote.jobs, local.jobs)
    pd.testing.assert_frame_equal(remote.transitions, local.transitions)
    column = local.unparsed["file"]
    files = column.astype(str).str.replace(str(top), url, regex=False).astype(column.dtype)
    pd.testing.assert_frame_equal(remote.unparsed, local.unparsed.assign(file=files))


def test_a_prefix_loads_as_the_directory_it_mirrors(s3, tree):
    _upload(s3, tree, "fleet/hist")
    local = smstatus.load(tree, errors="collect")
    for url in (f"s3://{BUCKET}/fleet/hist", f"s3://{BUCKET}/fleet/hist/"):
        remote = smstatus.load(url, errors="collect")
        _same(remote, local, tree, f"s3://{BUCKET}/fleet/hist")
    assert local.n_jobs == 4 and len(local.unparsed)  # every kind and a reject took part
    assert set(local.jobs["source"]) == {"describe", "events", "sdk-log"}


def test_rejects_name_the_object_and_the_line(s3, tree):
    _upload(s3, tree, "p")
    with pytest.raises(ParseError) as info:
        smstatus.load(f"s3://{BUCKET}/p/e.jsonl")
    assert info.value.file == f"s3://{BUCKET}/p/e.jsonl" and info.value.line == 2


def test_objects_and_globs_are_read_in_sorted_order(s3, tree):
    _upload(s3, tree, "p")
    _upload(s3, tree, "q")
    files = expand_inputs([f"s3://{BUCKET}/*/*.json", f"s3://{BUCKET}/q/logs/b.log"])
    assert [f.name for f in files] == [
        f"s3://{BUCKET}/p/a.json",
        f"s3://{BUCKET}/p/c.json",
        f"s3://{BUCKET}/q/a.json",
        f"s3://{BUCKET}/q/c.json",
        f"s3://{BUCKET}/q/logs/b.log",
    ]
    assert files[0].size == (tree / "a.json").stat().st_size
    assert files[-1].stem == "b"
    recursive = expand_inputs(f"s3://{BUCKET}/p/**/*.log")
    assert [f.name for f in recursive] == [f"s3://{BUCKET}/p/logs/b.log"]


def test_gzip_objects_are_read_and_bombs_refused(s3, tree, monkeypatch):
    _upload(s3, tree, "p")
    (gz,) = expand_inputs(f"s3://{BUCKET}/p/d.json.gz")
    assert gz.compressed and gz.stem == "d"
    assert smstatus.load([gz]).job_names.tolist() == ["desc-schematical-inprogress-20230405"]
    monkeypatch.setattr("smstatus.io.inputs.MAX_EXPANDED_BYTES", 100)
    history = smstatus.load(f"s3://{BUCKET}/p/d.json.gz", errors="collect")
    assert history.n_jobs == 0
    (reason,) = history.unparsed["reason"]
    assert "gzip bomb" in reason and history.unparsed["file"][0] == f"s3://{BUCKET}/p/d.json.gz"


def test_a_table_prefix_pairs_each_table_with_its_jobs_table(s3, tmp_path, data_dir):
    history = smstatus.load(data_dir / "sdk-logs")
    smstatus.write_table(history, tmp_path / "t.csv", jobs_path=tmp_path / "t.jobs.csv")
    assert (tmp_path / "t.jobs.csv").is_file()
    _upload(s3, tmp_path, "tables")
    local = smstatus.load(tmp_path / "t.csv")
    for url in (f"s3://{BUCKET}/tables/", f"s3://{BUCKET}/tables/t.csv"):
        remote = smstatus.load(url)
        assert remote.n_jobs == local.n_jobs  # the jobs table is not read as jobs of its own
        pd.testing.assert_frame_equal(remote.jobs, local.jobs)
        pd.testing.assert_frame_equal(remote.transitions, local.transitions)
    assert local.jobs["training_job_status"].notna().all()  # the jobs table was read


def test_missing_objects_prefixes_and_buckets_are_not_found(s3, tree):
    _upload(s3, tree, "p")
    for url in (
        f"s3://{BUCKET}/nothing-here",
        f"s3://{BUCKET}/p/nope.json",
        "s3://no-such-bucket-smstatus/x",
        f"s3://{BUCKET}/p/*.parquet",
    ):
        with pytest.raises(InputNotFoundError, match="s3://"):
            expand_inputs(url)
    s3.put_object(Bucket=BUCKET, Key="only-hidden/.x.json", Body=b"{}")
    with pytest.raises(InputNotFoundError, match="holds no input"):
        expand_inputs(f"s3://{BUCKET}/only-hidden/")


def test_an_endpoint_from_storage_options(s3, tree, moto, monkeypatch):
    _upload(s3, tree, "p")
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    options = {"client_kwargs": {"endpoint_url": moto.url}}
    history = smstatus.load(f"s3://{BUCKET}/p/a.json", storage_options=options)
    assert history.job_names.tolist() == ["desc-xgb-20250516"]


def _cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_validates_a_prefix(s3, tree, capsys):
    (tree / "e.jsonl").unlink()
    _upload(s3, tree, "ok")
    code, out, err = _cli(["validate", f"s3://{BUCKET}/ok/", "--format", "json"], capsys)
    assert code in (0, 1) and '"jobs": 4' in out and "Traceback" not in err
    local_code, _, _ = _cli(["validate", str(tree), "--format", "json"], capsys)
    assert code == local_code


def test_denied_requests_are_rejects_without_the_secret(s3, tree, capsys, monkeypatch):
    from moto_server import FAKE_SECRET, FAKE_TOKEN

    _upload(s3, tree, "p")
    monkeypatch.setattr("moto.settings.INITIAL_NO_AUTH_ACTION_COUNT", 0)  # moto checks keys
    history = smstatus.load(f"s3://{BUCKET}/p/", errors="collect")
    assert history.n_jobs == 0 and len(history.unparsed) == 1
    assert "cannot list it" in history.unparsed["reason"][0]
    assert "access denied" in history.unparsed["reason"][0]
    code, out, err = _cli(["validate", f"s3://{BUCKET}/p/a.json"], capsys)
    assert code == 2 and f"s3://{BUCKET}/p/a.json" in err and "Traceback" not in err
    for text in (out, err, *history.unparsed["reason"]):
        assert FAKE_SECRET not in text and FAKE_TOKEN not in text


def test_an_unreachable_endpoint_is_a_reject_and_exit_2(s3, monkeypatch, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{port}")
    code, _, err = _cli(["stats", f"s3://{BUCKET}/p/"], capsys)
    assert code == 2 and "cannot list it" in err and "Traceback" not in err
    from moto_server import FAKE_SECRET

    assert FAKE_SECRET not in err


def test_a_secret_in_an_error_message_is_struck_out():
    from smstatus.io.s3 import _reason

    class Boom(Exception):
        def __init__(self, text: str) -> None:
            super().__init__(text)
            self.response = {"Error": {"Code": "SignatureDoesNotMatch"}}

    text = _reason(Boom("key s3cr/et+x and s3cr%2Fet%2Bx"), ("s3cr/et+x",))
    assert "s3cr" not in text and text.startswith("SignatureDoesNotMatch")


def test_without_s3fs_the_error_says_what_to_install(monkeypatch):
    import sys

    from smstatus.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "s3fs", None)
    with pytest.raises(MissingDependencyError, match=r"smstatus\[s3\]"):
        expand_inputs("s3://bucket/key")


def test_big_json_lines_objects_take_the_fast_path(s3, tmp_path, monkeypatch):
    import json

    import smstatus.io._fastjsonl as fast

    records = smstatus.simulate(40, seed=5, corrupt_share=0.2)
    lines = [json.dumps(r, default=str) for r in records]
    lines[7:7] = ["{not json", ""]
    (tmp_path / "big.jsonl").write_text("\n".join(lines) + "\n")
    s3.put_object(Bucket=BUCKET, Key="big.jsonl", Body=(tmp_path / "big.jsonl").read_bytes())
    monkeypatch.setattr("smstatus.io.describe.FAST_PATH_MIN_BYTES", 1)
    calls = []
    real = fast.read_describe_jsonl
    monkeypatch.setattr(
        fast, "read_describe_jsonl", lambda f, **kw: calls.append(f) or real(f, **kw)
    )
    local = smstatus.load(tmp_path / "big.jsonl", errors="collect")
    remote = smstatus.load(f"s3://{BUCKET}/big.jsonl", errors="collect")
    assert [f.name for f in calls] == [str(tmp_path / "big.jsonl"), f"s3://{BUCKET}/big.jsonl"]
    _same(remote, local, tmp_path / "big.jsonl", f"s3://{BUCKET}/big.jsonl")
    assert len(local.unparsed)  # the corrupt records are rejects on both paths
