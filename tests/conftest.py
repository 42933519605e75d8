"""Shared fixtures: the real examples, a clean matplotlib, hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("MPLBACKEND", "Agg")

DATA = Path(__file__).parent / "data"

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def data_dir() -> Path:
    """The folder of real examples (see ``tests/data/PROVENANCE.md``)."""
    return DATA


@pytest.fixture(autouse=True)
def _close_figures():
    """Fail nothing, leak nothing: close every figure a test left open."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")


@pytest.fixture(scope="module")
def moto():
    """A moto SageMaker server on 127.0.0.1 for the module's tests (see moto_server.py)."""
    from moto_server import MotoSageMaker

    server = MotoSageMaker()
    yield server
    server.stop()


@pytest.fixture
def sm(moto, monkeypatch):
    """A clean moto SageMaker, fake credentials, and botocore's backoff without the waits."""
    from moto_server import fake_credentials

    fake_credentials(monkeypatch)
    monkeypatch.setattr(
        "botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, ctx: 0.0
    )
    moto.reset()
    return moto
