"""The alert message: one JSON object that Slack and Microsoft Teams webhooks both accept.

``text`` is the whole message in Slack ``mrkdwn`` (Slack shows it in notifications, Teams'
incoming webhooks show it as the message); ``blocks`` is the same content laid out for
Slack: a header, the snapshot and baseline, counts per severity and up to
:data:`MAX_LISTED` findings (control, severity, resource name, message).

Resource names, messages and the scope come from a cloud and are hostile: control
characters become spaces, ``& < >`` are escaped as Slack asks (so ``<!channel>`` or
``<https://evil|click>`` stay text), and every value is cut to a length that keeps each
block under Slack's limits. The content depends only on the findings and the snapshot, in
a fixed order: the same scan gives the same message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scanner.diff import FindingChange
from scanner.model import Severity

MAX_LISTED = 10
"""Findings listed one by one; the rest are counted."""
NAME_LIMIT = 150
MESSAGE_LIMIT = 300
SCOPE_LIMIT = 400
"""Characters kept of a resource name, a finding message and the scope, before escaping
(escaping at most multiplies by five: a finding's block stays under Slack's 3,000)."""
HEADER_LIMIT = 150
"""Slack's limit for a header block's text."""


@dataclass(frozen=True)
class AlertContent:
    """What one alert says."""

    changes: Sequence[FindingChange]
    """The new failing findings, most severe first (the diff's order)."""
    floor: Severity
    snapshot_finished: str
    snapshot_digest: str
    scope: str
    baseline: str
    """Which scan the findings are new against, or why every failure counts as new."""


def clip(text: str, limit: int) -> str:
    """``text`` on one line, without control characters, at most ``limit`` characters."""
    flat = "".join(char if char.isprintable() else " " for char in text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def mrkdwn(text: str, limit: int) -> str:
    """Hostile text, clipped, then escaped the way Slack's mrkdwn requires."""
    clipped = clip(text, limit)
    return clipped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _headline(content: AlertContent) -> str:
    count = len(content.changes)
    noun = "finding" if count == 1 else "findings"
    return f"auditgraph: {count} new failing {noun} at or above {content.floor.value}"


def _severity_counts(content: AlertContent) -> list[tuple[str, int]]:
    counts = Counter(change.severity for change in content.changes)
    ordered = sorted(counts, key=lambda severity: -severity.rank)
    return [(severity.value, counts[severity]) for severity in ordered]


def _finding_line(change: FindingChange) -> str:
    return (
        f"*{change.severity.value}* · *{mrkdwn(change.control_id, 40)}* · "
        f"{mrkdwn(change.resource_name or change.resource_uid, NAME_LIMIT)}\n"
        f"{mrkdwn(change.message, MESSAGE_LIMIT)}"
    )


def _context_lines(content: AlertContent) -> list[str]:
    return [
        f"*Snapshot* {mrkdwn(content.snapshot_finished, 40)} · "
        f"`{mrkdwn(content.snapshot_digest[:12], 12)}`",
        f"*Scope* {mrkdwn(content.scope, SCOPE_LIMIT)}",
        f"*Compared with* {mrkdwn(content.baseline, SCOPE_LIMIT)}",
    ]


def _more_line(content: AlertContent) -> str | None:
    hidden = len(content.changes) - MAX_LISTED
    if hidden <= 0:
        return None
    return f"… and {hidden} more new failing finding(s): see findings.json of this run."


def _text(content: AlertContent) -> str:
    counts = ", ".join(f"{severity}: {count}" for severity, count in _severity_counts(content))
    lines = [f"*{_headline(content)}* ({counts})", *_context_lines(content)]
    lines += [f"• {_finding_line(change)}" for change in content.changes[:MAX_LISTED]]
    more = _more_line(content)
    return "\n".join([*lines, more] if more else lines)


def _blocks(content: AlertContent) -> list[dict[str, Any]]:
    fields = [
        {"type": "mrkdwn", "text": f"*{severity}*\n{count}"}
        for severity, count in _severity_counts(content)
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": clip(_headline(content), HEADER_LIMIT)},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(_context_lines(content))}},
        {"type": "section", "fields": fields},
        {"type": "divider"},
    ]
    for change in content.changes[:MAX_LISTED]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _finding_line(change)}}
        )
    more = _more_line(content)
    if more:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return blocks


def alert_payload(content: AlertContent) -> dict[str, Any]:
    """The JSON body to POST: ``text`` (Slack and Teams) and ``blocks`` (Slack)."""
    return {"text": _text(content), "blocks": _blocks(content)}
