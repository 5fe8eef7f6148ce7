"""The exception tree.

Every error auditgraph raises on bad input derives from :class:`AuditgraphError` and
carries enough location to act on it without reading a traceback::

    AuditgraphError
    ├── ConfigError          estate config file or flags (file, entry, position)
    ├── CatalogError         control or framework files (file, control id, position)
    ├── WaiverError          a waivers file (file, waiver id or index, position)
    ├── SnapshotError        a snapshot folder that is missing, tampered or malformed
    ├── DiffInputError       a diff side that is no run folder, snapshot folder or scan
    └── CollectorError       a cloud that cannot be collected at all (no credentials...)

A control whose expression fails on one resource is not an exception: it becomes a
finding with status ``error`` and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    """Where a problem sits: a file, optionally an entry in it and a line/column."""

    file: str
    entry: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.entry:
            text += f" [{self.entry}]"
        return text


@dataclass(frozen=True)
class Problem:
    """One located problem; a loader collects all of them before it gives up."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class AuditgraphError(Exception):
    """Base of every error auditgraph reports to a user."""


@dataclass
class _ProblemsError(AuditgraphError):
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class ConfigError(_ProblemsError):
    """The estate configuration is invalid."""


class CatalogError(_ProblemsError):
    """One or more control or framework files are invalid."""


class WaiverError(_ProblemsError):
    """One or more entries of a waivers file are invalid."""


class SnapshotError(AuditgraphError):
    """A snapshot cannot be read: missing, malformed, truncated or tampered."""


class DiffInputError(AuditgraphError):
    """A side of ``auditgraph diff`` that cannot be read as a scan."""


class CollectorError(AuditgraphError):
    """A cloud cannot be collected at all (for per-call failures see CollectionGap)."""
