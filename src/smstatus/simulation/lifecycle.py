"""The lifecycle the simulator walks, declared as data.

:data:`LIFECYCLE` maps each *phase* of the walk to the ways out of it (:class:`Exit`): the next
phases, with their probabilities or weights and the conditions under which each is open. A
phase writes one status (``Phase.status``; a *junction* writes none and only chooses); a status
can have several phases when it behaves differently by context (``"Uploading"`` after a
completed training, ``"Uploading:then failed"`` after a failure in training, ...). The walk in
:mod:`smstatus.simulation.simulator` goes only where this table says (it checks every step);
:func:`lifecycle_edges` lists the status edges it can take, which the tests hold against
:func:`smstatus.machine.default_machine`.

How a phase chooses (``Phase.draw``):

- ``"chances"``: the open exits in order, each with one uniform draw against its chance; the
  first that comes up is taken; an exit without ``p`` is taken without a draw.
- ``"bands"``: one uniform draw; the exits own consecutive bands of that width (a closed exit
  hands its band on to the next); an exit without ``p`` takes the rest.
- ``"pick"``: one draw among the open exits in proportion to their weights.
- ``"first"`` (Training): whichever comes first in the job's work: an incident planned when the
  walk starts (each exit with a chance of happening once, at a uniform point of the work), a
  spot interruption (``p`` is a rate an hour) or the end of the work (the exit without ``p``).
- ``"end"``: a terminal phase.

Conditions (``Exit.when``, joined by ``" and "``) and named probabilities (``Exit.p`` given as a
string) are defined by the walk. A phase whose segment is limited (``Phase.limited``) can be
cut by MaxRuntimeInSeconds (when its status is active: on instances) or MaxWaitTimeInSeconds
(spot jobs); the walk then continues at :func:`cut_phase`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "ACTIVE",
    "FIRST_PHASE",
    "LIFECYCLE",
    "Exit",
    "Lasts",
    "Phase",
    "cut_phase",
    "lifecycle_edges",
    "targets",
]

ACTIVE = frozenset({"Downloading", "Training", "Uploading", "Restarting", "Updating"})
"""Statuses on instances: MaxRuntimeInSeconds counts their time."""

FIRST_PHASE = "created"
"""The junction every walk begins at."""


class Exit(NamedTuple):
    """One way out of a phase."""

    to: str | tuple[str, ...]
    """The next phase; several when the phase decides among them (e.g. retry or fail)."""
    p: float | str | None = None
    """Chance, band or weight (see ``Phase.draw``), a named probability, or ``None``: the rest."""
    when: str = ""
    """Conditions (names joined by ``" and "``) that must hold for the exit to be open."""
    event: str = ""
    """What happens, for phases whose segment depends on the way out (``"fail"``, ``"stop"``)."""
    reason: str | None = None
    """The kind of ``FailureReason`` of an exit that fails the job."""
    inferred: bool = False
    """It can take an edge that rests on inference alone (see the machine's edge basis)."""


class Lasts(NamedTuple):
    """A lognormal phase length in seconds: the median (a number, or ``scale`` times a job's
    ``upload_s``, ``starting_s`` or ``data_s``), sigma and bounds."""

    median: float | str
    sigma: float
    lo: float = 0.5
    hi: float = math.inf
    scale: float = 1.0


class Phase(NamedTuple):
    """A phase of the walk: the status it writes (``None``: a junction) and how it ends."""

    status: str | None
    draw: str
    exits: tuple[Exit, ...] = ()
    lasts: Lasts | None = None
    """How long it lasts, when that does not depend on the way out (else the walk decides)."""
    message: str | None = None
    """Key of its status message (in the simulator's ``MESSAGES``)."""
    limited: bool = True
    """Whether MaxRuntimeInSeconds and MaxWaitTimeInSeconds can cut it."""


_STOPPING = Lasts(25, 0.7, lo=2, hi=170)  # SIGTERM, then up to 120 s to save the model
_UPLOAD = Lasts("upload_s", 0.8, lo=1)


def _tail(status: str, exits: tuple[Exit, ...], lasts: Lasts, message: str) -> Phase:
    """A phase of a stop or limit tail: written without a limit check."""
    return Phase(status, "chances", exits, lasts, message, limited=False)


def _end(status: str, message: str) -> Phase:
    return Phase(status, "end", message=message, limited=False)


def _junction(draw: str, *exits: Exit) -> Phase:
    return Phase(None, draw, exits, limited=False)


LIFECYCLE: Mapping[str, Phase] = MappingProxyType(
    {
        FIRST_PHASE: _junction(
            "chances",
            Exit("Starting:legacy", when="legacy"),
            Exit("Starting:kept pool", when="reuses_pool"),
            Exit("Starting"),
        ),
        # -- the modern lifecycle ------------------------------------------------------------
        "Starting:kept pool": Phase(
            "Starting",
            "chances",
            (Exit("Downloading", when="downloads"), Exit("Training", when="skips_download")),
            Lasts(14, 0.5, lo=2),
            "reuse",
        ),
        "Starting": Phase(
            "Starting",
            "chances",
            (
                # a capacity failure ends in Pending since Pending exists
                Exit(
                    ("Pending:capacity failure", "Failed"),
                    0.008,
                    when="first_attempt",
                    event="fail",
                    reason="Starting",
                    inferred=True,
                ),
                Exit("Stopping", 0.004, when="first_attempt", event="stop"),
                Exit("Stopping", 0.01, when="another_attempt", event="stop"),
                Exit("Pending", "capacity_wait", when="pending_exists", event="wait"),
                Exit("Downloading", "capacity_wait", when="no_pending and downloads", event="wait"),
                Exit(
                    "Training", "capacity_wait", when="no_pending and skips_download", event="wait"
                ),
                Exit(
                    "Interrupted",
                    0.003,
                    when="spot and first_attempt",
                    event="interrupt",
                    inferred=True,
                ),
                Exit("Downloading", when="downloads"),
                Exit("Training", when="skips_download"),
            ),
        ),
        "Pending": Phase(
            "Pending",
            "chances",
            (
                Exit("Stopping", 0.03, when="on_demand", event="stop", inferred=True),
                Exit("Failed", "capacity_failure", event="fail", reason="Pending"),
                Exit("capacity found"),
            ),
        ),
        # published histories go Pending -> Downloading; back to Starting is rare
        "capacity found": _junction(
            "pick",
            Exit("Downloading", 95, when="downloads"),
            Exit("Training", 95, when="skips_download", inferred=True),
            Exit("Starting", 5, inferred=True),
        ),
        "Pending:capacity failure": Phase(
            "Pending",
            "chances",
            (Exit("Failed", reason="Pending"),),
            Lasts(4, 1.0, lo=0.2),
            "capacity_failed",
        ),
        "Downloading": Phase(
            "Downloading",
            "bands",
            (
                Exit("Failed", 0.025, event="fail", reason="Downloading", inferred=True),
                Exit("Stopping", 0.004, event="stop"),
                Exit(
                    "Interrupted",
                    "download_interruption",
                    when="may_interrupt",
                    event="interrupt",
                    inferred=True,
                ),
                Exit(("Starting", "Failed"), 0.006, event="ise", reason="other", inferred=True),
                Exit("Pending", 0.03, when="plan", event="gap"),  # between capacity reservations
                Exit("Training"),
            ),
        ),
        "Interrupted": Phase(
            "Interrupted",
            "pick",
            (
                Exit("Starting", 55),
                Exit("Downloading", 20, when="downloads"),
                Exit("Starting", 20, when="skips_download"),
                Exit("Pending", 15, when="pending_exists", inferred=True),
                Exit("Starting", 15, when="no_pending"),
                Exit("Stopping", 5, inferred=True),
                Exit("Failed", 3, reason="other", inferred=True),
            ),
            Lasts(40, 0.8, lo=2),
            "interrupted",
        ),
        "Training": Phase(
            "Training",
            "first",
            (
                # every published failure after training passes through Uploading
                Exit(
                    "Uploading:then failed",
                    0.065,
                    when="accelerated",
                    event="fail",
                    reason="Training",
                ),
                Exit("Uploading:then failed", 0.05, when="cpu", event="fail", reason="Training"),
                Exit("Stopping:after training", 0.025, event="stop"),
                Exit(("Starting", "Uploading:then failed"), 0.012, event="ise", reason="other"),
                Exit("Restarting", 0.012, when="several_instances", event="restart", inferred=True),
                Exit("Restarting", 0.003, when="one_instance", event="restart", inferred=True),
                Exit("Updating", 0.005, event="update", inferred=True),
                Exit("Pending", 0.5, when="plan", event="gap"),  # between capacity reservations
                Exit(
                    "Interrupted",
                    "interrupt_per_h",
                    when="spot and may_interrupt",
                    event="interrupt",
                ),
                Exit("Uploading", event="complete"),
            ),
            message="training",
        ),
        "Restarting": Phase(
            "Restarting",
            "pick",
            (
                Exit("Starting", 35, inferred=True),
                Exit("Downloading", 15, when="downloads", inferred=True),
                Exit("Training", 15, when="skips_download", inferred=True),
                Exit("Training", 45, inferred=True),
                Exit("Stopping", 2.5, inferred=True),
                Exit("Failed", 2.5, reason="other", inferred=True),
            ),
            Lasts(90, 0.6, lo=5),
            "restarting",
        ),
        "Updating": Phase(
            "Updating",
            "pick",
            (
                Exit("Training", 85, inferred=True),
                Exit("Downloading", 5, when="downloads", inferred=True),
                Exit("Training", 5, when="skips_download", inferred=True),
                Exit("Stopping", 5, inferred=True),
                Exit("Failed", 5, reason="other", inferred=True),
            ),
            Lasts(40, 0.6, lo=3),
            "updating",
        ),
        "Uploading": Phase(
            "Uploading",
            "chances",
            (
                Exit("Failed", 0.012, reason="Uploading"),
                Exit("stop while uploading", 0.003),
                Exit("Completed"),
            ),
            Lasts("upload_s", 0.9, lo=1),
            "uploading",
        ),
        "Uploading:then failed": Phase(
            "Uploading", "chances", (Exit("Failed"),), Lasts(12, 0.8, lo=1, hi=600), "uploading"
        ),
        # -- user stops ------------------------------------------------------------------------
        "stop while uploading": _junction(
            "chances", Exit("Stopped", 0.3), Exit("Stopping", inferred=True)
        ),
        "Stopping": _tail(
            "Stopping",
            (Exit("Failed", 0.03, reason="other", inferred=True), Exit("Stopped")),
            _STOPPING,
            "stopping",
        ),
        "Stopping:after training": _tail(
            "Stopping",
            (
                Exit("Uploading:stopped", 0.15),
                Exit("Failed", 0.03, reason="other", inferred=True),
                Exit("Stopped"),
            ),
            _STOPPING,
            "stopping",
        ),
        "Uploading:stopped": _tail("Uploading", (Exit("Stopped"),), _UPLOAD, "uploading"),
        # -- cut by a limit (see cut_phase) ------------------------------------------------------
        "MaxWaitTimeInSeconds": _junction("chances", Exit("Stopping:max wait", inferred=True)),
        "Stopping:max wait": _tail(
            "Stopping", (Exit("MaxWaitTimeExceeded"),), _STOPPING, "stopping"
        ),
        "MaxRuntimeInSeconds in Training": _junction(
            "chances",
            Exit("MaxRuntimeExceeded", 0.15, inferred=True),
            Exit("Stopping:before uploading, max runtime", 0.3),
            Exit("Stopping:max runtime"),
        ),
        "MaxRuntimeInSeconds in Uploading": _junction(
            "chances",
            Exit("MaxRuntimeExceeded", 0.5, inferred=True),
            Exit("Stopping:max runtime", inferred=True),
        ),
        "MaxRuntimeInSeconds": _junction("chances", Exit("Stopping:max runtime", inferred=True)),
        "Stopping:max runtime": _tail(
            "Stopping", (Exit("MaxRuntimeExceeded", inferred=True),), _STOPPING, "stopping"
        ),
        "Stopping:before uploading, max runtime": _tail(
            "Stopping", (Exit("Uploading:max runtime"),), _STOPPING, "stopping"
        ),
        "Uploading:max runtime": _tail(
            "Uploading", (Exit("MaxRuntimeExceeded", inferred=True),), _UPLOAD, "uploading"
        ),
        # -- before 2018 ---------------------------------------------------------------------------
        "Starting:legacy": Phase(
            "Starting",
            "chances",
            (Exit("LaunchingMLInstances", inferred=True),),
            Lasts(4, 0.6, lo=0.5),
            "starting",
        ),
        "LaunchingMLInstances": Phase(
            "LaunchingMLInstances",
            "chances",
            (
                Exit("Failed", 0.04, reason="legacy", inferred=True),
                Exit("Stopping", 0.02, inferred=True),
                Exit("PreparingTrainingStack", inferred=True),
            ),
            Lasts("starting_s", 0.4, lo=20, scale=0.6),
            "launching",
        ),
        "PreparingTrainingStack": Phase(
            "PreparingTrainingStack",
            "chances",
            (
                Exit("Failed", 0.03, reason="legacy", inferred=True),
                Exit("Stopping", 0.02, inferred=True),
                Exit("Downloading:legacy", when="file_input", inferred=True),
                Exit("DownloadingTrainingImage", 0.7, inferred=True),
                Exit("Training:legacy", inferred=True),
            ),
            Lasts(60, 0.4, lo=5),
            "preparing",
        ),
        "Downloading:legacy": Phase(
            "Downloading",
            "chances",
            (
                Exit("Failed", 0.02, reason="Downloading", inferred=True),
                Exit("DownloadingTrainingImage", inferred=True),
            ),
            Lasts("data_s", 0.5, lo=2),
            "downloading",
        ),
        "DownloadingTrainingImage": Phase(
            "DownloadingTrainingImage",
            "chances",
            (
                Exit("Failed", 0.03, reason="legacy", inferred=True),
                Exit("Stopping", 0.02, inferred=True),
                Exit("Training:legacy", inferred=True),
            ),
            Lasts(35, 0.5, lo=3),
            "image",
        ),
        "Training:legacy": Phase(
            "Training",
            "chances",
            (
                Exit("Uploading:then failed", 0.07, event="fail", reason="Training"),
                Exit("Stopping:after training", 0.03, event="stop"),
                Exit("Uploading:legacy", event="complete"),
            ),
            message="training",
        ),
        "Uploading:legacy": Phase(
            "Uploading",
            "chances",
            (Exit("Failed", 0.01, reason="Uploading"), Exit("Completed")),
            _UPLOAD,
            "uploading",
        ),
        # -- terminal --------------------------------------------------------------------------
        "Completed": _end("Completed", "completed"),
        "Failed": _end("Failed", "failed"),
        "Stopped": _end("Stopped", "stopped"),
        "MaxRuntimeExceeded": _end("MaxRuntimeExceeded", "max_runtime"),
        "MaxWaitTimeExceeded": _end("MaxWaitTimeExceeded", "max_wait"),
    }
)
"""Every phase of the walk and the ways out of it."""


def targets(exit_: Exit) -> tuple[str, ...]:
    """The phases an exit can lead to."""
    return exit_.to if isinstance(exit_.to, tuple) else (exit_.to,)


def cut_phase(reason: str, status: str) -> str:
    """Where the walk continues when ``reason`` (``"MaxRuntimeInSeconds"`` or
    ``"MaxWaitTimeInSeconds"``) cuts a phase of ``status``."""
    specific = f"{reason} in {status}"
    return specific if specific in LIFECYCLE else reason


def _cuts(phase: Phase) -> Iterator[str]:
    """The junctions a limit can send a phase to."""
    if not phase.limited or phase.status is None:
        return
    if phase.status in ACTIVE:
        yield cut_phase("MaxRuntimeInSeconds", phase.status)
    yield cut_phase("MaxWaitTimeInSeconds", phase.status)


def _landings(name: str, seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, Exit]]:
    """The phases with a status reached from ``name`` (through junctions), with the exit that
    reaches each."""
    for exit_ in LIFECYCLE[name].exits:
        for target in targets(exit_):
            if LIFECYCLE[target].status is not None:
                yield target, exit_
            elif target not in seen:
                yield from _landings(target, seen | {name})


def lifecycle_edges() -> dict[tuple[str, str], list[Exit]]:
    """Every status edge the walk can take, with the exits that take it.

    An edge leaves a phase with a status, by one of its exits or by a limit cutting it, and
    lands on the next phase with a status, through any junctions between them.
    """
    edges: dict[tuple[str, str], list[Exit]] = {}
    for name, phase in LIFECYCLE.items():
        if phase.status is None:
            continue
        sources = [name, *_cuts(phase)]
        for source in sources:
            for target, exit_ in _landings(source):
                status = LIFECYCLE[target].status
                assert status is not None
                edges.setdefault((phase.status, status), []).append(exit_)
    return edges
