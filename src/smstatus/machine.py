"""The machine of legal status edges.

One declared edge table (:data:`EDGE_TABLE`, version :data:`EDGE_TABLE_VERSION`) is the single
source of truth. It is built into a
``transitions.Machine`` (``auto_transitions=False``); the boolean edge matrix used by the
vectorised validator, the reachability used for sampled sources (SDK logs) and the diagrams are
all derived from that machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from transitions import Machine

from smstatus.errors import MachineDefinitionError
from smstatus.status import (
    DEPRECATED_STATUSES,
    INITIAL_STATUS,
    PRIMARY_OF,
    TERMINAL_STATUSES,
    PrimaryStatus,
    SecondaryStatus,
)

__all__ = [
    "EDGE_TABLE",
    "EDGE_TABLE_V1",
    "EDGE_TABLE_VERSION",
    "Basis",
    "Edge",
    "StatusMachine",
    "default_machine",
]


class Basis(StrEnum):
    """Why an edge is in the table."""

    DOC = "doc"
    """AWS documentation describes it."""
    SEEN = "seen"
    """It occurs in real, published histories."""
    INFERRED = "inferred"
    """Plausible, but neither documented nor seen yet."""


@dataclass(frozen=True, slots=True)
class Edge:
    """A legal edge ``source -> dest`` with its basis and a note on where the basis comes from."""

    source: str
    dest: str
    basis: frozenset[Basis]
    note: str = ""

    @property
    def inferred_only(self) -> bool:
        """Whether the edge rests on inference alone (no documentation, no published history)."""
        return self.basis == {Basis.INFERRED}


def _e(source: str, dest: str, *basis: str, note: str = "") -> Edge:
    return Edge(source, dest, frozenset(Basis(b) for b in basis), note)


EDGE_TABLE_VERSION = "v1.1"
"""Version of :data:`EDGE_TABLE`. v1.1 changed only bases (from v1): Pending -> Failed,
Training -> Stopping, Uploading -> Stopped and Stopping -> Uploading occur in published
histories."""

_SEEN_V11 = "in 215 published histories (v1.1)"

EDGE_TABLE: tuple[Edge, ...] = (
    _e("Starting", "Pending", "seen"),
    _e("Starting", "Downloading", "doc", "seen"),
    _e("Starting", "Training", "doc", note="Downloading is optional (Pipe/FastFile input)"),
    _e("Starting", "Stopping", "doc", note="a spot job whose instances never launched"),
    _e("Starting", "Failed", "inferred"),
    _e("Starting", "Interrupted", "inferred"),
    _e("Starting", "LaunchingMLInstances", "inferred"),
    _e("Pending", "Starting", "inferred"),
    _e("Pending", "Downloading", "seen"),
    _e("Pending", "Training", "inferred"),
    _e("Pending", "Stopping", "inferred"),
    _e("Pending", "Failed", "seen", note="a capacity failure while waiting; " + _SEEN_V11),
    _e("LaunchingMLInstances", "PreparingTrainingStack", "inferred"),
    _e("LaunchingMLInstances", "Stopping", "inferred"),
    _e("LaunchingMLInstances", "Failed", "inferred"),
    _e("PreparingTrainingStack", "Downloading", "inferred"),
    _e("PreparingTrainingStack", "DownloadingTrainingImage", "inferred"),
    _e("PreparingTrainingStack", "Training", "inferred"),
    _e("PreparingTrainingStack", "Stopping", "inferred"),
    _e("PreparingTrainingStack", "Failed", "inferred"),
    _e("Downloading", "Training", "doc", "seen"),
    _e("Downloading", "DownloadingTrainingImage", "inferred"),
    _e("Downloading", "Stopping", "seen"),
    _e("Downloading", "Failed", "inferred"),
    _e("Downloading", "Interrupted", "inferred"),
    _e("Downloading", "Starting", "doc", note="retry"),
    _e("Downloading", "Pending", "doc", note="between capacity reservations"),
    _e("DownloadingTrainingImage", "Training", "inferred"),
    _e("DownloadingTrainingImage", "Stopping", "inferred"),
    _e("DownloadingTrainingImage", "Failed", "inferred"),
    _e("Training", "Uploading", "doc", "seen"),
    _e("Training", "Interrupted", "doc"),
    _e("Training", "Stopping", "doc", "seen"),
    _e("Training", "Failed", "inferred", note="no published failure skips Uploading"),
    _e("Training", "Starting", "doc", note="retry"),
    _e("Training", "Pending", "doc", note="between capacity reservations"),
    _e("Training", "Restarting", "inferred"),
    _e("Training", "Updating", "inferred"),
    _e("Training", "MaxRuntimeExceeded", "inferred"),
    _e("Updating", "Training", "inferred"),
    _e("Updating", "Downloading", "inferred"),
    _e("Updating", "Stopping", "inferred"),
    _e("Updating", "Failed", "inferred"),
    _e("Restarting", "Starting", "inferred"),
    _e("Restarting", "Downloading", "inferred"),
    _e("Restarting", "Training", "inferred"),
    _e("Restarting", "Stopping", "inferred"),
    _e("Restarting", "Failed", "inferred"),
    _e("Interrupted", "Starting", "doc"),
    _e("Interrupted", "Downloading", "doc"),
    _e("Interrupted", "Pending", "inferred"),
    _e("Interrupted", "Stopping", "inferred"),
    _e("Interrupted", "Failed", "inferred"),
    _e("Uploading", "Completed", "doc", "seen"),
    _e("Uploading", "Failed", "seen"),
    _e("Uploading", "Stopping", "inferred"),
    _e("Uploading", "Stopped", "seen", note=_SEEN_V11),
    _e("Uploading", "MaxRuntimeExceeded", "inferred"),
    _e("Stopping", "Stopped", "seen"),
    _e("Stopping", "MaxWaitTimeExceeded", "doc"),
    _e("Stopping", "MaxRuntimeExceeded", "inferred"),
    _e("Stopping", "Uploading", "seen", note="a stopped job uploads what it has; " + _SEEN_V11),
    _e("Stopping", "Failed", "inferred"),
)
"""The edge table (version :data:`EDGE_TABLE_VERSION`), each edge with its basis."""

EDGE_TABLE_V1 = EDGE_TABLE
"""Former name of :data:`EDGE_TABLE`, kept for existing code (the same edges; v1.1 changed
only bases)."""

BASIS_NONE, BASIS_INFERRED, BASIS_EVIDENCED = 0, 1, 2
"""Codes of :attr:`StatusMachine.basis_matrix`: no edge, inferred only, documented or seen."""


def _trigger(dest: str) -> str:
    return f"to_{dest}"


@dataclass(frozen=True)
class StatusMachine:
    """The machine of legal edges, built on ``transitions.Machine``.

    Parameters
    ----------
    edges
        The edge table; defaults to :data:`EDGE_TABLE`.
    statuses
        Every status of the machine, in lifecycle order. Defaults to the 17 secondary statuses;
        statuses named by an edge must be among them.
    terminal
        Statuses no edge may leave.
    primary
        The primary status of each status (defaults to the AWS mapping).
    version
        A version string that names this table.

    Examples
    --------
    >>> m = StatusMachine()
    >>> m.is_legal("Starting", "Downloading")
    True
    >>> m.successors("Uploading")
    ('Stopping', 'Stopped', 'MaxRuntimeExceeded', 'Completed', 'Failed')
    """

    edges: tuple[Edge, ...] = EDGE_TABLE
    statuses: tuple[str, ...] = tuple(s.value for s in SecondaryStatus)
    terminal: frozenset[str] = frozenset(s.value for s in TERMINAL_STATUSES)
    primary: Mapping[str, str] = field(
        default_factory=lambda: {s.value: p.value for s, p in PRIMARY_OF.items()}
    )
    deprecated: frozenset[str] = frozenset(s.value for s in DEPRECATED_STATUSES)
    initial: str = INITIAL_STATUS.value
    version: str = EDGE_TABLE_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple(self.edges))
        object.__setattr__(self, "statuses", tuple(self.statuses))
        object.__setattr__(self, "terminal", frozenset(self.terminal))
        object.__setattr__(self, "deprecated", frozenset(self.deprecated))
        object.__setattr__(self, "primary", dict(self.primary))
        _check_names(self.statuses, self.version)
        known = set(self.statuses)
        if len(known) != len(self.statuses):
            raise MachineDefinitionError("the machine lists a status twice")
        if self.initial not in known:
            raise MachineDefinitionError(f"initial status {self.initial!r} is not a status")
        seen: set[tuple[str, str]] = set()
        for edge in self.edges:
            for end in (edge.source, edge.dest):
                if end not in known:
                    raise MachineDefinitionError(
                        f"edge {edge.source} -> {edge.dest} names {end!r}, which is not a "
                        f"status of the machine; add it to the statuses first"
                    )
            if edge.source in self.terminal:
                raise MachineDefinitionError(
                    f"edge {edge.source} -> {edge.dest} leaves terminal status {edge.source!r}"
                )
            if edge.source == edge.dest:
                raise MachineDefinitionError(
                    f"edge {edge.source} -> {edge.dest} is a self-loop; consecutive equal "
                    "statuses are repeats, not edges"
                )
            if (edge.source, edge.dest) in seen:
                raise MachineDefinitionError(f"edge {edge.source} -> {edge.dest} appears twice")
            if not edge.basis:
                raise MachineDefinitionError(f"edge {edge.source} -> {edge.dest} has no basis")
            seen.add((edge.source, edge.dest))

    # -- the transitions machine, the single source of truth ---------------------------------

    @cached_property
    def machine(self) -> Machine:
        """The ``transitions.Machine`` built from the edge table (no model attached)."""
        return Machine(
            model=None,
            states=list(self.statuses),
            transitions=[
                {"trigger": _trigger(e.dest), "source": e.source, "dest": e.dest}
                for e in self.edges
            ],
            initial=self.initial,
            auto_transitions=False,
        )

    def trigger_name(self, dest: str) -> str:
        """Name of the ``transitions`` trigger that leads to ``dest``."""
        return _trigger(dest)

    # -- derived views ----------------------------------------------------------------------

    @cached_property
    def index(self) -> Mapping[str, int]:
        """Position of each status in :attr:`statuses` (row/column of the matrices)."""
        return {s: i for i, s in enumerate(self.statuses)}

    @cached_property
    def matrix(self) -> np.ndarray:
        """Boolean ``n x n`` matrix: ``matrix[i, j]`` when ``statuses[i] -> statuses[j]`` is legal.

        Derived from the ``transitions`` machine's own events, not from the table.
        """
        n = len(self.statuses)
        out = np.zeros((n, n), dtype=bool)
        for event in self.machine.events.values():
            for source, trans in event.transitions.items():
                for t in trans:
                    if t.dest is not None:  # an internal transition changes no status
                        out[self.index[source], self.index[t.dest]] = True
        out.setflags(write=False)
        return out

    @cached_property
    def basis_matrix(self) -> np.ndarray:
        """``int8`` matrix of basis codes: 0 no edge, 1 inferred only, 2 documented or seen."""
        n = len(self.statuses)
        out = np.zeros((n, n), dtype=np.int8)
        for e in self.edges:
            code = BASIS_INFERRED if e.inferred_only else BASIS_EVIDENCED
            out[self.index[e.source], self.index[e.dest]] = code
        out &= self.matrix.astype(np.int8) * 3  # nothing outside the machine's own edges
        out.setflags(write=False)
        return out

    @cached_property
    def reachability(self) -> np.ndarray:
        """Boolean transitive closure of :attr:`matrix` (paths of one edge or more)."""
        reach = self.matrix.copy()
        for k in range(len(self.statuses)):
            reach |= np.outer(reach[:, k], reach[k, :])
        reach.setflags(write=False)
        return reach

    @cached_property
    def _edge_lookup(self) -> Mapping[tuple[str, str], Edge]:
        return {(e.source, e.dest): e for e in self.edges}

    def edge(self, source: str, dest: str) -> Edge | None:
        """Return the edge ``source -> dest``, or ``None`` when it is not legal."""
        return self._edge_lookup.get((source, dest))

    def successors(self, status: str) -> tuple[str, ...]:
        """Statuses legal right after ``status``, in lifecycle order (empty when unknown)."""
        i = self.index.get(status)
        if i is None:
            return ()
        return tuple(s for s, ok in zip(self.statuses, self.matrix[i], strict=True) if ok)

    def reachable_from(self, status: str) -> tuple[str, ...]:
        """Statuses reachable from ``status`` by one edge or more."""
        i = self.index.get(status)
        if i is None:
            return ()
        return tuple(s for s, ok in zip(self.statuses, self.reachability[i], strict=True) if ok)

    def is_legal(self, source: str, dest: str, *, reachable: bool = False) -> bool:
        """Whether ``source -> dest`` is an edge (or, with ``reachable``, a path)."""
        i, j = self.index.get(source), self.index.get(dest)
        if i is None or j is None:
            return False
        return bool((self.reachability if reachable else self.matrix)[i, j])

    def is_terminal(self, status: str) -> bool:
        """Whether ``status`` is terminal."""
        return status in self.terminal

    def is_deprecated(self, status: str) -> bool:
        """Whether ``status`` is deprecated (seen in old histories only)."""
        return status in self.deprecated

    def primary_of(self, status: str) -> str | None:
        """Primary status of ``status``, or ``None`` when unknown."""
        return self.primary.get(status)

    def edges_frame(self) -> pd.DataFrame:
        """The edge table as a DataFrame: ``source, dest, basis, inferred_only, note``."""
        return pd.DataFrame(
            {
                "source": [e.source for e in self.edges],
                "dest": [e.dest for e in self.edges],
                "basis": [",".join(sorted(b.value for b in e.basis)) for e in self.edges],
                "inferred_only": [e.inferred_only for e in self.edges],
                "note": [e.note for e in self.edges],
            }
        )

    # -- changing the table -----------------------------------------------------------------

    def extend(
        self,
        *,
        add_edges: Iterable[Edge | Sequence[Any] | Mapping[str, Any]] = (),
        remove_edges: Iterable[Sequence[str]] = (),
        add_statuses: Iterable[Mapping[str, Any] | str] = (),
        version: str | None = None,
    ) -> StatusMachine:
        """Return a new machine with statuses and edges added and edges removed.

        Parameters
        ----------
        add_edges
            Edges, ``(source, dest[, basis])`` pairs or ``{"source", "dest", "basis", "note"}``
            mappings. The basis defaults to ``inferred``.
        remove_edges
            ``(source, dest)`` pairs; each must be an edge of this machine.
        add_statuses
            Status names or ``{"name", "primary", "terminal", "deprecated"}`` mappings.
        version
            Version of the new table; defaults to ``"<this version>+custom"``.
        """
        statuses = list(self.statuses)
        terminal, deprecated = set(self.terminal), set(self.deprecated)
        primary = dict(self.primary)
        for item in add_statuses:
            spec = _status_spec(item)
            name = spec["name"]
            if name not in statuses:
                statuses.append(name)
            if spec.get("primary") is not None:
                primary[name] = _primary_of(name, spec["primary"])
            if spec.get("terminal"):
                terminal.add(name)
            if spec.get("deprecated"):
                deprecated.add(name)
        edges = {(e.source, e.dest): e for e in self.edges}
        for pair in remove_edges:
            key = _edge_key(pair)
            if key not in edges:
                raise MachineDefinitionError(
                    f"cannot remove {key[0]} -> {key[1]}: it is not an edge of machine "
                    f"{self.version}"
                )
            del edges[key]
        for edge_spec in add_edges:
            edge = _coerce_edge(edge_spec)
            edges[(edge.source, edge.dest)] = edge
        return StatusMachine(
            edges=tuple(edges.values()),
            statuses=tuple(statuses),
            terminal=frozenset(terminal),
            primary=primary,
            deprecated=frozenset(deprecated),
            initial=self.initial,
            version=version or f"{self.version}+custom",
        )

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> StatusMachine:
        """Build a machine from a JSON file (or its parsed mapping).

        The document extends the default table unless it gives ``"edges"`` (a full table)::

            {"version": "v1.1+ours",
             "add_statuses": [{"name": "Queued", "primary": "InProgress"}],
             "add_edges": [{"source": "Queued", "dest": "Starting", "basis": ["seen"]}],
             "remove_edges": [["Starting", "Interrupted"]]}
        """
        where = "<mapping>"
        if isinstance(source, str | Path):
            where = str(source)
            doc = _read_machine_file(Path(source))
        elif isinstance(source, Mapping):
            doc = dict(source)
        else:
            raise MachineDefinitionError(
                f"a machine definition is a JSON file or a mapping, not {type(source).__name__}"
            )
        if not isinstance(doc, dict):
            raise MachineDefinitionError(
                f"{where}: a machine file holds a JSON object, not a {_json_type(doc)}"
            )
        allowed = {"version", "edges", "add_edges", "remove_edges", "add_statuses", "description"}
        unknown = set(doc) - allowed
        if unknown:
            raise MachineDefinitionError(
                f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
            )
        base = cls()
        try:
            if "edges" in doc:
                base = cls(edges=(), version=str(doc.get("version", "custom")))
                base = base.extend(
                    add_statuses=doc.get("add_statuses", ()),
                    add_edges=doc["edges"],
                    version=str(doc.get("version", "custom")),
                )
                return base
            return base.extend(
                add_statuses=doc.get("add_statuses", ()),
                add_edges=doc.get("add_edges", ()),
                remove_edges=doc.get("remove_edges", ()),
                version=None if doc.get("version") is None else str(doc["version"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MachineDefinitionError(f"{where}: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        """The whole machine as a JSON-ready mapping that :meth:`from_json` reads back."""
        default = StatusMachine()
        extra = [s for s in self.statuses if s not in default.index]
        return {
            "version": self.version,
            "add_statuses": [
                {
                    "name": s,
                    "primary": self.primary.get(s),
                    "terminal": s in self.terminal,
                    "deprecated": s in self.deprecated,
                }
                for s in extra
            ],
            "edges": [
                {
                    "source": e.source,
                    "dest": e.dest,
                    "basis": sorted(b.value for b in e.basis),
                    "note": e.note,
                }
                for e in self.edges
            ],
        }

    # -- diagrams ---------------------------------------------------------------------------

    def to_mermaid(self, *, title: str | None = None) -> str:
        """Mermaid ``stateDiagram-v2`` text drawn by transitions' own mermaid engine.

        Each edge is labelled with its basis; no Graphviz binary is needed.
        """
        from transitions.extensions.diagrams import GraphMachine

        model = _DiagramModel()
        GraphMachine(
            model=model,
            states=list(self.statuses),
            transitions=[
                {
                    "trigger": "_".join(sorted(b.value for b in e.basis)),
                    "source": e.source,
                    "dest": e.dest,
                }
                for e in self.edges
            ],
            initial=self.initial,
            auto_transitions=False,
            graph_engine="mermaid",
            title=title or f"smstatus machine {self.version}",
            show_state_attributes=False,
        )
        text = model.get_graph().draw(None)  # type: ignore[attr-defined]
        terminal_lines = [f"  {s} --> [*]" for s in self.statuses if s in self.terminal]
        return str(text).rstrip("\n") + "\n" + "\n".join(terminal_lines) + "\n"


class _DiagramModel:
    """A throwaway model that the diagram machine draws from (never used for data)."""


def _coerce_edge(spec: Edge | Sequence[Any] | Mapping[str, Any]) -> Edge:
    if isinstance(spec, Edge):
        return spec
    if isinstance(spec, str) or not isinstance(spec, Mapping | Sequence):
        raise MachineDefinitionError(
            f"an edge is a [source, dest(, basis)] list or a mapping, not {spec!r}"
        )
    if isinstance(spec, Mapping):
        source, dest = spec.get("source"), spec.get("dest")
        basis = spec.get("basis", "inferred")
        note = str(spec.get("note", ""))
    else:
        seq = list(spec)
        if len(seq) < 2:
            raise MachineDefinitionError(f"an edge needs a source and a dest: {spec!r}")
        source, dest = seq[0], seq[1]
        basis = seq[2] if len(seq) > 2 else "inferred"
        note = ""
    if not isinstance(source, str) or not isinstance(dest, str):
        raise MachineDefinitionError(f"an edge needs string 'source' and 'dest': {spec!r}")
    names = [basis] if isinstance(basis, str) else list(basis)
    try:
        bases = frozenset(Basis(b) for b in names)
    except ValueError as exc:
        raise MachineDefinitionError(
            f"edge {source} -> {dest}: basis must be among doc, seen, inferred; got {basis!r}"
        ) from exc
    return Edge(source, dest, bases, note)


STATUS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""What a status name may be: a plain identifier, as every SageMaker status is. Names are drawn
into diagrams (mermaid) and become method names of the ``transitions`` machine."""

MAX_MACHINE_BYTES = 1 << 20
"""A machine file bigger than this is refused (the default table is about 10 KB)."""


def _check_names(statuses: Sequence[Any], version: Any) -> None:
    """Status names are plain identifiers; the version is one line of printable text."""
    for name in statuses:
        if not isinstance(name, str) or not STATUS_NAME.fullmatch(name):
            raise MachineDefinitionError(
                f"status name {name!r} is not a plain identifier (a letter, then letters, "
                "digits or underscores)"
            )
    if not isinstance(version, str) or not version.isprintable():
        raise MachineDefinitionError(f"the version {version!r} is not one line of printable text")


def _status_spec(item: Any) -> dict[str, Any]:
    """A new status as a mapping with a ``name``."""
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
        raise MachineDefinitionError(f"a new status needs a 'name': {item!r}")
    return dict(item)


def _primary_of(name: str, value: Any) -> str:
    try:
        return PrimaryStatus(value).value
    except ValueError as exc:
        allowed = ", ".join(p.value for p in PrimaryStatus)
        raise MachineDefinitionError(
            f"status {name!r}: primary must be one of {allowed}; got {value!r}"
        ) from exc


def _edge_key(pair: Any) -> tuple[str, str]:
    """The ``(source, dest)`` of an edge to remove."""
    if (
        isinstance(pair, str)
        or not isinstance(pair, Sequence)
        or len(pair) != 2
        or not all(isinstance(end, str) for end in pair)
    ):
        raise MachineDefinitionError(
            f"an edge to remove is a [source, dest] pair of status names, not {pair!r}"
        )
    return (pair[0], pair[1])


def _json_type(value: Any) -> str:
    names = {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _read_machine_file(path: Path) -> Any:
    """The parsed JSON of a machine file; every way it can fail is a MachineDefinitionError."""
    where = str(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_MACHINE_BYTES + 1)
    except FileNotFoundError as exc:
        raise MachineDefinitionError(f"{where}: no such machine file") from exc
    except IsADirectoryError as exc:
        raise MachineDefinitionError(f"{where}: is a directory, not a machine file") from exc
    except OSError as exc:
        raise MachineDefinitionError(
            f"{where}: cannot read the machine file: {exc.strerror or exc}"
        ) from exc
    if len(raw) > MAX_MACHINE_BYTES:
        raise MachineDefinitionError(
            f"{where}: a machine file is at most {MAX_MACHINE_BYTES:,} bytes"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MachineDefinitionError(
            f"{where}: not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from exc
    except json.JSONDecodeError as exc:
        raise MachineDefinitionError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise MachineDefinitionError(f"{where}: JSON nested too deeply") from exc


def default_machine() -> StatusMachine:
    """The machine of :data:`EDGE_TABLE` (version :data:`EDGE_TABLE_VERSION`)."""
    return _DEFAULT


_DEFAULT = StatusMachine()
