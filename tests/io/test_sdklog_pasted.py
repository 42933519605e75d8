"""SDK logs as people paste them (Markdown quotes, HTML line breaks, code fences) load like the
plain log, and are detected as SDK logs. Each form is built from a real log of the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import smstatus
from smstatus.io import detect_source, expand_inputs
from smstatus.io.sdklog import pasted_lines

CORPUS = Path(__file__).parent.parent / "corpus" / "notebook_histories.jsonl"
REAL = {
    r["id"]: r["raw"]
    for r in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines())
    if r["id"] in ("sdk-remotedec-20241218093314", "sdk-smex-20200627120246")
}


def _quoted(text: str) -> str:
    return "".join(f"> {line}\n" if line else ">\n" for line in text.splitlines())


def _broken(text: str, br: str) -> str:
    return br.join(text.splitlines()) + "\n"


FORMS = {
    "quote": _quoted,
    "nested-quote": lambda t: _quoted(_quoted(t)),
    "br": lambda t: _broken(t, "<br>"),
    "br-slash": lambda t: _broken(t, "<br />"),
    "close-br": lambda t: _broken(t, "</br>"),
    "fence": lambda t: f"Here is my log:\n\n```\n{t}\n```\n",
    "fence-language": lambda t: f"```text\n{t}\n```\n",
    "fence-glued": lambda t: f"```{t}```\n",
    "quoted-fence": lambda t: _quoted(f"```\n{t}\n```"),
    "issue-comment": lambda t: "> " + _broken(t, "<br>> "),
}


def _load(tmp_path: Path, name: str, text: str):
    path = tmp_path / name / "job.log"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    assert detect_source(expand_inputs(path)[0]) == "sdk-log"
    return smstatus.load(path, errors="collect")


@pytest.mark.parametrize("log", sorted(REAL))
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_pasted_log_loads_like_the_plain_log(tmp_path, log, form):
    plain = _load(tmp_path, "plain", REAL[log])
    pasted = _load(tmp_path, "pasted", FORMS[form](REAL[log]))
    assert len(plain.transitions) >= 5 and len(pasted.unparsed) == 0
    pd.testing.assert_frame_equal(pasted.transitions, plain.transitions)
    pd.testing.assert_frame_equal(pasted.jobs, plain.jobs)


def test_line_numbers_point_at_the_pasted_line():
    lines = ["```", "> a<br>b", "c</br>d<br/>e", "```"]
    assert list(pasted_lines(lines)) == [
        (1, ""),
        (2, "a"),
        (2, "b"),
        (3, "c"),
        (3, "d"),
        (3, "e"),
        (4, ""),
    ]


def test_a_bad_time_in_a_pasted_log_is_reported_at_its_line(tmp_path):
    text = "> 2024-03-08 08:05:55 Starting - Starting the training job<br>" + (
        "2024-13-08 08:06:55 Pending - Training job waiting for capacity\n"
    )
    h = _load(tmp_path, "bad", text)
    assert len(h.unparsed) == 1
    assert h.transitions["status"].astype(str).tolist() == ["Starting"]
