"""Pseudonymise account, tenancy and subscription ids for a bundle shared outside the company.

Each id of the snapshot's scope, resources and gaps is replaced, wherever it occurs (in
uids, ARNs, resource ids, messages, the estate config and the waivers), by a keyed hash
of it (HMAC-SHA256) that keeps its shape: twelve digits for an AWS account, a UUID for
an Azure subscription, an OCID for an OCI tenancy. Equal ids stay equal, so the graph and
every finding keep their meaning; without the key the original ids cannot be recovered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from scanner.model import CollectionGap, Edge, Manifest, Resource, Snapshot

_AWS_ACCOUNT = re.compile(r"\d{12}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_OCID = re.compile(r"(ocid1\.[a-z0-9_]+\.[a-z0-9_-]*\.[a-z0-9_-]*\.)[A-Za-z0-9]+")
TEXT_SUFFIXES = frozenset({".json", ".jsonl", ".yaml", ".yml"})


def account_ids(snapshot: Snapshot) -> set[str]:
    """Every account, tenancy and subscription id the snapshot names."""
    ids = {account for scope in snapshot.manifest.scope.values() for account in scope.accounts}
    ids.update(resource.account for resource in snapshot.resources)
    ids.update(gap.account for gap in snapshot.gaps if gap.account)
    return {account for account in ids if account}


def pseudonym(account: str, key: bytes) -> str:
    """A keyed, shape-keeping stand-in for ``account``."""
    digest = hmac.new(key, account.encode("utf-8"), hashlib.sha256).digest()
    if _AWS_ACCOUNT.fullmatch(account):
        return f"{int.from_bytes(digest, 'big') % 10**12:012d}"
    if _UUID.fullmatch(account):
        return str(uuid.UUID(bytes=digest[:16]))
    ocid = _OCID.fullmatch(account)
    if ocid:
        return f"{ocid.group(1)}redacted{digest.hex()[:32]}"
    return f"redacted-{digest.hex()[:24]}"


class IdRedactor:
    """Replaces every occurrence of the given ids in text, in one pass (longest first)."""

    def __init__(self, ids: Iterable[str], key: bytes) -> None:
        self.mapping: Mapping[str, str] = {account: pseudonym(account, key) for account in ids}
        ordered = sorted(self.mapping, key=lambda account: (-len(account), account))
        self._pattern = re.compile("|".join(re.escape(a) for a in ordered)) if ordered else None

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda match: self.mapping[match.group(0)], value)

    def file(self, name: str, data: bytes) -> bytes:
        """A text input (JSON or YAML) with the ids replaced; other files unchanged."""
        if PurePosixPath(name).suffix not in TEXT_SUFFIXES:
            return data
        return self.text(data.decode("utf-8")).encode("utf-8")

    def snapshot(self, snapshot: Snapshot) -> Snapshot:
        """The snapshot with every id replaced (write it again to hash it again)."""

        def lines(items: Iterable[Resource | Edge | CollectionGap]) -> list[object]:
            return [
                json.loads(self.text(json.dumps(item.model_dump(mode="json", exclude_none=True))))
                for item in items
            ]

        manifest = self.text(snapshot.manifest.model_dump_json(exclude_none=True))
        return Snapshot(
            manifest=Manifest.model_validate_json(manifest),
            resources=[Resource.model_validate(r) for r in lines(snapshot.resources)],
            edges=[Edge.model_validate(e) for e in lines(snapshot.edges)],
            gaps=[CollectionGap.model_validate(g) for g in lines(snapshot.gaps)],
        )
