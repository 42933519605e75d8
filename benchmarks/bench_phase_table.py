"""phase_table against DataFrame.pivot_table of the same durations, same run.

The baseline only sums the seconds per job and status from a precomputed durations frame
(``observed=True``, its fastest form); ``phase_table`` measures the entries itself and adds the
wall time, time to first Training, overhead share, interruptions, attempts, censoring and the
job attributes. Target: at least 3x faster.
"""

from __future__ import annotations

import numpy as np

from _harness import Context, Figure


def run(ctx: Context) -> list[Figure]:
    import smstatus
    from smstatus.analysis.phases import durations, phase_table

    history = smstatus.load(ctx.describe_jsonl)
    frame = durations(history)

    def pivot():
        return frame.pivot_table(
            index="job_name",
            columns="status",
            values="duration_s",
            aggfunc="sum",
            observed=True,
        )

    ours_s, table = ctx.timed(lambda: phase_table(history), repeat=3)
    base_s, pivoted = ctx.timed(pivot, repeat=3)

    # the same answer: seconds per job and status
    status = "Training"
    got = table.set_index("job_name")[f"{status}_s"]
    want = pivoted[status].reindex(got.index).fillna(0.0)
    if not np.allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9, atol=1e-6):
        raise AssertionError("phase_table and pivot_table disagree on Training seconds")

    return [
        Figure(
            name="phase_table",
            seconds=ours_s,
            baseline="DataFrame.pivot_table",
            baseline_s=base_s,
            target=3.0,
            extra={"jobs": f"{history.n_jobs:,}", "entries": f"{len(history.transitions):,}"},
        )
    ]
