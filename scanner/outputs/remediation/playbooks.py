"""The playbook folders: ``remediation/<CONTROL-ID>/``.

Each folder holds ``playbook.yaml`` (the playbook's name, as the control's
``remediation:`` list names it, a one-line summary, and per cloud the reason a fix has
no CLI or Terraform form) and the jinja2 templates ``<cloud>.cli.j2``, ``<cloud>.tf.j2``
and ``runbook.md.j2``. A cloud listed under ``manual`` may lack either template; the
script then prints an explicit "manual step" and the Terraform file a comment, and the
runbook carries the steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from scanner.errors import AuditgraphError
from scanner.model import Cloud

PLAYBOOK_FILE = "playbook.yaml"
RUNBOOK_TEMPLATE = "runbook.md.j2"


class Medium(StrEnum):
    """What a template renders: shell commands or Terraform."""

    CLI = "cli"
    TF = "tf"


class PlaybookError(AuditgraphError):
    """A playbook folder that cannot be used (missing or malformed playbook.yaml)."""


@dataclass(frozen=True)
class Playbook:
    control_id: str
    name: str
    summary: str
    templates: frozenset[str]
    """Template file names present in the folder."""
    manual: dict[str, str] = field(default_factory=dict)
    """Cloud → why a medium of that cloud has no template (the runbook has the steps)."""

    def template(self, cloud: Cloud | str, medium: Medium) -> str | None:
        """``<CONTROL-ID>/<cloud>.<medium>.j2`` when the folder has it."""
        name = f"{cloud}.{medium}.j2"
        return f"{self.control_id}/{name}" if name in self.templates else None

    def manual_reason(self, cloud: Cloud | str) -> str:
        return self.manual.get(str(cloud), "no automated fix is bundled for this cloud")

    def mediums(self, clouds: list[str]) -> str:
        """What the playbook offers per cloud, e.g. ``aws: cli+tf, oci: cli, azure: manual``
        (for a catalog listing)."""
        parts = []
        for cloud in clouds:
            have = [m.value for m in Medium if f"{cloud}.{m.value}.j2" in self.templates]
            parts.append(f"{cloud}: {'+'.join(have) or 'manual'}")
        return ", ".join(parts)

    @property
    def runbook(self) -> str:
        return f"{self.control_id}/{RUNBOOK_TEMPLATE}"


def load_playbook(folder: Path) -> Playbook:
    """Read one playbook folder; a bad ``playbook.yaml`` raises :class:`PlaybookError`."""
    path = folder / PLAYBOOK_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlaybookError(f"{path}: cannot read playbook: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise PlaybookError(f"{path}: needs `name:` (the control's remediation name)")
    manual = data.get("manual") or {}
    if not isinstance(manual, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in manual.items()
    ):
        raise PlaybookError(f"{path}: `manual:` maps a cloud to the reason, as text")
    unknown = sorted(set(manual) - {cloud.value for cloud in Cloud})
    if unknown:
        raise PlaybookError(f"{path}: `manual:` names unknown clouds: {', '.join(unknown)}")
    if not (folder / RUNBOOK_TEMPLATE).is_file():
        raise PlaybookError(f"{folder / RUNBOOK_TEMPLATE}: missing; every playbook has one")
    return Playbook(
        control_id=folder.name,
        name=data["name"],
        summary=str(data.get("summary", "")),
        templates=frozenset(p.name for p in folder.glob("*.j2")),
        manual=dict(manual),
    )


def load_playbooks(root: Path) -> dict[str, Playbook]:
    """Every playbook under ``root``, by control id."""
    if not root.is_dir():
        raise PlaybookError(f"{root}: no such playbook folder")
    return {
        folder.name: load_playbook(folder)
        for folder in sorted(root.iterdir())
        if (folder / PLAYBOOK_FILE).is_file()
    }
