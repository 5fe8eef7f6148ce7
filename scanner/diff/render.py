"""Render a :class:`ScanDiff`: JSON (canonical), Markdown (escaped cells), terminal (rich).

Every string in a diff may come from a cloud: Markdown cells go through ``md_cell`` and
HTML escaping, terminal cells through ``plain``. Equal diffs give equal text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType

from rich.console import Console
from rich.table import Table

from scanner.canonical import dumps, dumps_pretty
from scanner.diff.core import ScanDiff
from scanner.diff.drift import ABSENT, Drift
from scanner.diff.findings import CATEGORIES, FindingChange, FindingState
from scanner.model import JSONValue
from scanner.outputs.markdown import md_cell
from scanner.outputs.terminal import SEVERITY_STYLES, plain

CATEGORY_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "new": "New failing findings",
        "regressed": "Regressed (pass → fail)",
        "resolved": "Resolved (no longer failing)",
        "unchanged": "Unchanged failing findings",
        "status_changed": "Other status changes",
        "waiver_changed": "Waiver changes",
    }
)


def state_text(state: FindingState | None) -> str:
    """``fail``, ``fail, waived (W-1)`` or ``absent``."""
    if state is None:
        return "absent"
    if state.waiver_id is None:
        return state.status.value
    return f"{state.status.value}, waived ({state.waiver_id})"


def value_text(value: JSONValue) -> str:
    return "<absent>" if value is ABSENT else dumps(value)


def render_json(diff: ScanDiff) -> str:
    return dumps_pretty(diff.as_json())


# --- Markdown ----------------------------------------------------------------------------


def _md(value: object) -> str:
    return html.escape(md_cell(value), quote=False)


def render_markdown(diff: ScanDiff) -> str:
    lines = ["# auditgraph diff", "", "| | Before | After |", "| --- | --- | --- |"]
    for key, title in (
        ("label", "Scan"),
        ("snapshot_digest", "Snapshot digest"),
        ("catalog_digest", "Catalog digest"),
        ("finished", "Collection end"),
    ):
        lines.append(f"| {title} | {_md(diff.before[key])} | {_md(diff.after[key])} |")
    if not diff.same_catalog:
        lines += ["", "The two scans used different catalogs: some changes may come from them."]
    lines += ["", "## Summary", "", "| Change | Count |", "| --- | ---: |"]
    lines += [f"| {_md(title)} | {count} |" for title, count in summary_counts(diff)]
    for name in CATEGORIES:
        lines += _md_findings(CATEGORY_TITLES[name], diff.findings.category(name))
    lines += _md_drift(diff.drift)
    return "\n".join(lines) + "\n"


def _md_findings(title: str, changes: tuple[FindingChange, ...]) -> list[str]:
    if not changes:
        return []
    lines = ["", f"## {title} ({len(changes)})", ""]
    lines += ["| Severity | Control | Resource | Before | After | Message |"]
    lines += ["| --- | --- | --- | --- | --- | --- |"]
    for change in changes:
        cells = (
            change.severity.value,
            change.control_id,
            f"{change.resource_name} ({change.resource_uid})",
            state_text(change.before),
            state_text(change.after),
            change.message,
        )
        lines.append("| " + " | ".join(_md(cell) for cell in cells) + " |")
    return lines


def _md_drift(drift: Drift) -> list[str]:
    lines = ["", "## Resource drift"]
    if not (drift.added or drift.removed or drift.changed):
        return [*lines, "", "No resource added, removed or changed."]
    for title, refs in (("Added", drift.added), ("Removed", drift.removed)):
        if refs:
            lines += ["", f"### {title} ({len(refs)})", "", "| Resource | Kind | uid |"]
            lines += ["| --- | --- | --- |"]
            lines += [f"| {_md(r.name)} | {_md(r.kind)} | {_md(r.uid)} |" for r in refs]
    if drift.changed:
        lines += ["", f"### Changed ({len(drift.changed)})", ""]
        lines += ["| Resource | uid | Path | Before | After |", "| --- | --- | --- | --- | --- |"]
        for change in drift.changed:
            ref = change.resource
            for prop in change.changes:
                cells = (ref.name, ref.uid, prop.path, value_text(prop.before))
                row = " | ".join(_md(cell) for cell in (*cells, value_text(prop.after)))
                lines.append(f"| {row} |")
    return lines


def summary_counts(diff: ScanDiff) -> Iterator[tuple[str, int]]:
    for name in CATEGORIES:
        yield CATEGORY_TITLES[name], len(diff.findings.category(name))
    yield "Resources added", len(diff.drift.added)
    yield "Resources removed", len(diff.drift.removed)
    yield "Resources changed", len(diff.drift.changed)


# --- terminal ----------------------------------------------------------------------------

TERMINAL_LISTED = ("new", "regressed", "resolved", "status_changed", "waiver_changed")
"""Categories listed row by row in the terminal; unchanged failures are only counted."""


def print_diff(diff: ScanDiff, console: Console) -> None:
    sides = Table(title="auditgraph diff", title_justify="left")
    for column in ("", "Before", "After"):
        sides.add_column(column)
    sides.add_row("Scan", plain(diff.before["label"]), plain(diff.after["label"]))
    sides.add_row("Collection end", plain(diff.before["finished"]), plain(diff.after["finished"]))
    sides.add_row(
        "Snapshot",
        plain(diff.before["snapshot_digest"][:12]),
        plain(diff.after["snapshot_digest"][:12]),
    )
    console.print(sides)
    if not diff.same_catalog:
        console.print("[yellow]The scans used different catalogs.[/yellow]")
    counts = Table(title="Summary", title_justify="left")
    counts.add_column("Change")
    counts.add_column("Count", justify="right")
    for title, count in summary_counts(diff):
        counts.add_row(plain(title), str(count))
    console.print(counts)
    for name in TERMINAL_LISTED:
        changes = diff.findings.category(name)
        if changes:
            console.print(_findings_table(CATEGORY_TITLES[name], changes))
    if diff.drift.added or diff.drift.removed or diff.drift.changed:
        console.print(_drift_table(diff.drift))


def _findings_table(title: str, changes: tuple[FindingChange, ...]) -> Table:
    table = Table(title=f"{title} ({len(changes)})", title_justify="left")
    for column in ("Severity", "Control", "Resource", "Before → after", "Message"):
        table.add_column(column)
    for change in changes:
        style = SEVERITY_STYLES[change.severity]
        table.add_row(
            f"[{style}]{plain(change.severity)}[/{style}]",
            plain(change.control_id),
            f"{plain(change.resource_name)}\n[dim]{plain(change.resource_uid)}[/dim]",
            f"{plain(state_text(change.before))} → {plain(state_text(change.after))}",
            plain(change.message),
        )
    return table


def _drift_table(drift: Drift) -> Table:
    table = Table(title="Resource drift", title_justify="left")
    table.add_column("Change")
    table.add_column("Resource")
    for column in ("Path", "Before", "After"):
        table.add_column(column, overflow="fold")
    for label, refs in (("added", drift.added), ("removed", drift.removed)):
        for ref in refs:
            table.add_row(label, f"{plain(ref.name)}\n[dim]{plain(ref.uid)}[/dim]", "", "", "")
    for change in drift.changed:
        ref = change.resource
        for prop in change.changes:
            table.add_row(
                "changed",
                f"{plain(ref.name)}\n[dim]{plain(ref.uid)}[/dim]",
                plain(prop.path),
                plain(value_text(prop.before)),
                plain(value_text(prop.after)),
            )
    return table


RENDERERS: Mapping[str, Callable[[ScanDiff], str]] = MappingProxyType(
    {"json": render_json, "md": render_markdown}
)
"""Text formats by name; ``table`` prints to the terminal with :func:`print_diff`."""
