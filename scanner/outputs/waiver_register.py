"""The waiver register of a run: ``OUT/waivers.json``, ``OUT/waivers.md`` for people,
and the warnings a scan prints. Waiver text is user input: Markdown cells are escaped."""

from __future__ import annotations

import html
from pathlib import Path

from scanner.canonical import dumps_pretty
from scanner.engine.waivers import WaiverRegister, WaiverState
from scanner.outputs.markdown import md_cell

WAIVERS_JSON = "waivers.json"
WAIVERS_MD = "waivers.md"


def render_register_json(register: WaiverRegister) -> str:
    """Canonical, pretty JSON: keys sorted, waivers by id, finding ids sorted."""
    return dumps_pretty(register.as_json())


def _cell(value: object) -> str:
    return html.escape(md_cell(value), quote=False)


def render_register_md(register: WaiverRegister) -> str:
    """The register as a Markdown table, one row per waiver, by id."""
    lines = [
        "# Waiver register",
        "",
        f"Evaluated at {_cell(register.evaluated_at)} (the snapshot's collection end).",
        "",
        "| Waiver | Control | Selector | State | Expires | Owner | Approver | Ticket "
        "| Justification | Findings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in register.entries:
        waiver = entry.waiver
        cells = (
            waiver.id,
            waiver.control_id,
            waiver.resource.describe(),
            entry.state.value,
            waiver.expires.isoformat(),
            waiver.owner,
            waiver.approver,
            waiver.ticket,
            waiver.justification,
            ", ".join(entry.finding_ids) or "none",
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def write_register(register: WaiverRegister, out_dir: Path) -> list[Path]:
    """Write ``waivers.json`` and ``waivers.md``; the written paths, sorted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {
        WAIVERS_JSON: render_register_json(register),
        WAIVERS_MD: render_register_md(register),
    }
    for name, text in outputs.items():
        (out_dir / name).write_bytes(text.encode("utf-8"))
    return sorted(out_dir / name for name in outputs)


def register_warnings(register: WaiverRegister) -> list[str]:
    """One line per expired or unused waiver, by waiver id."""
    lines: list[str] = []
    for entry in register.entries:
        waiver = entry.waiver
        if entry.state is WaiverState.EXPIRED:
            count = len(entry.finding_ids)
            lines.append(
                f"warning: waiver {waiver.id} ({waiver.control_id}) expired "
                f"{waiver.expires.isoformat()} and no longer applies: {count} finding"
                f"{'s' * (count != 1)} it covered count again (ticket {waiver.ticket}, "
                f"owner {waiver.owner})"
            )
        elif entry.state is WaiverState.UNUSED:
            lines.append(
                f"warning: waiver {waiver.id} ({waiver.control_id}) matches no failing or "
                "inconclusive finding: remove it or fix its selector"
            )
    return lines
