"""ValidationReport in Jupyter: the worst violations first, as the CLI prints them."""

from __future__ import annotations

import re

from _histories import chain
from smstatus import JobHistory, validate


def test_repr_html_shows_the_errors_before_the_info_rows():
    # twelve jobs whose only violation is info (a deprecated status), listed first; then one
    # job with an error (an illegal edge): the error must be among the rows shown
    info = [
        chain(
            f"old-{k:02d}",
            [
                ("Starting", 10),
                ("LaunchingMLInstances", 10),
                ("PreparingTrainingStack", 10),
                ("Training", 10),
                ("Uploading", 10),
                ("Completed", 0),
            ],
        )
        for k in range(12)
    ]
    bad = chain("zz-bad", [("Starting", 10), ("Completed", 0)])
    report = validate(JobHistory.concat([*info, bad]))
    assert report.violations["severity"].astype(str).iloc[0] == "info"  # the rows as found
    page = report._repr_html_(max_rows=5)
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<details", 1)[1], flags=re.S)  # data rows only
    severities = [re.findall(r"<td>(.*?)</td>", r)[3] for r in rows]
    assert severities[0] == "error" and "zz-bad" in rows[0]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert "the 5 worst of" in page and "errors first" in page
