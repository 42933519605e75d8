"""The bundled sample: a realistic fleet of 4,000 simulated training jobs.

Every command given no input uses it, so a new user sees the whole job without an AWS account::

    >>> from smstatus.sample import load_sample
    >>> history = load_sample()
    >>> history.n_jobs
    4000

Provenance
----------
``data/sample.jsonl.gz`` holds 4,000 ``DescribeTrainingJob`` responses (JSON Lines, gzip)
made by :func:`smstatus.simulate.simulate` with seed 0: jobs created from 2025-01-06 (UTC) to
Wednesday 2025-04-16 15:36 UTC, when the fleet was described (so some jobs are still running),
3 % of the histories corrupted on purpose. It looks like one team's recent months: no job from
before the window (so no deprecated statuses); warm pools reused within minutes (about 3 % of
the jobs start on a kept pool, "Found matching resource for reuse") and the fate of each kept
pool on the terminal entry; capacity failures that end in Pending (about 1 %); failures after
training that pass through Uploading, as published histories show; and capacity waits that move:
incidents of a few days in one region for some GPU types, a scarce ``ml.p5.48xlarge`` and a
spot market that tightens through the window. Nothing in it comes from a real AWS account.
Regenerate it, byte for byte after decompression, from the repository's root with::

    smstatus simulate -n 4000 --seed 0 --corrupt-share 0.03 --start 2025-01-06 \\
        --end 2025-04-16T15:36 -o src/smstatus/data/sample.jsonl.gz

:func:`sample_truth` says what was generated for each job, the corrupted ones included.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from smstatus.history import JobHistory

__all__ = ["SAMPLE_ARGS", "SAMPLE_COMMAND", "load_sample", "sample_path", "sample_truth"]

SAMPLE_ARGS: MappingProxyType[str, Any] = MappingProxyType(
    {
        "n": 4000,
        "seed": 0,
        "corrupt_share": 0.03,
        "start": "2025-01-06",
        "end": "2025-04-16T15:36",
    }
)
"""The arguments of :func:`smstatus.simulate.simulate` that made the sample."""

SAMPLE_COMMAND: tuple[str, ...] = (
    "simulate",
    "-n",
    "4000",
    "--seed",
    "0",
    "--corrupt-share",
    "0.03",
    "--start",
    "2025-01-06",
    "--end",
    "2025-04-16T15:36",
)
"""The ``smstatus`` command line that regenerates the sample (add ``-o FILE``)."""


def sample_path() -> Path:
    """Path of the bundled sample file (``sample.jsonl.gz``, describe responses)."""
    return Path(__file__).parent / "data" / "sample.jsonl.gz"


def load_sample() -> JobHistory:
    """Load the bundled sample (read from disk each call; nothing is cached).

    Returns
    -------
    JobHistory
        4,000 jobs with ``source == "describe"``.
    """
    from smstatus.io import load

    return load(sample_path(), source="describe")


def sample_truth() -> pd.DataFrame:
    """What was generated for each job of the sample (see :class:`smstatus.simulate.Simulation`).

    Regenerates the sample in memory (about a second), so the frame always matches the file.
    """
    from smstatus.simulate import simulate_with_truth

    return simulate_with_truth(**SAMPLE_ARGS).truth
