"""``smstatus convert`` killed with SIGKILL while it writes: the previous table stays whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import smstatus
from smstatus.cli import main

GOOD = Path(__file__).parents[1] / "data" / "describe"

_KILLED_CONVERT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import smstatus.atomicfile
    from smstatus.cli import main

    ready = Path(sys.argv[1])

    def stall(temp, target, mode):  # the new table written whole, not yet renamed
        ready.with_suffix(".part").write_text(str(temp))
        ready.with_suffix(".part").rename(ready)  # the test never reads it half-written
        time.sleep(60)

    smstatus.atomicfile._commit = stall
    main(["convert", *sys.argv[2:]])
    """
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_convert_killed_leaves_the_previous_table(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"table{suffix}"
    one = tmp_path / "one.json"
    one.write_bytes((GOOD / "desc-xgb-20250516.json").read_bytes())
    assert main(["convert", str(one), "-o", str(out)]) == 0
    capsys.readouterr()
    before = out.read_bytes()
    ready = tmp_path / "ready"
    args = [sys.executable, "-c", _KILLED_CONVERT, str(ready), str(GOOD), "-o", str(out)]
    proc = subprocess.Popen(args, env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert ready.exists(), "convert never reached its rename"
        temp = Path(ready.read_text())
        assert temp.exists() and temp.name.startswith(".")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.read_bytes() == before  # the previous table, whole
    ready.unlink()
    left = smstatus.load(tmp_path, errors="collect")  # the hidden leftover is never read
    assert not left.unparsed["file"].astype(str).str.contains(temp.name, regex=False).any()
    assert left.n_jobs == 2  # one.json and the previous table
    assert main(["convert", str(GOOD), "-o", str(out)]) == 0
    assert smstatus.load(out).n_jobs == 2
