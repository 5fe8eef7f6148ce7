"""OCI tags (freeform and defined) flattened for resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten_tags(item: Mapping[str, Any]) -> dict[str, str]:
    """Freeform tags as is; defined tags as ``namespace.key``."""
    tags = {str(k): str(v) for k, v in (item.get("freeform_tags") or {}).items()}
    for namespace, values in sorted((item.get("defined_tags") or {}).items()):
        for key, value in (values or {}).items():
            tags[f"{namespace}.{key}"] = str(value)
    return tags


def classification(tags: Mapping[str, str], tag_key: str) -> str | None:
    """The value of ``tag_key`` as a freeform tag or as a defined tag in any namespace."""
    if tag_key in tags:
        return tags[tag_key]
    for key in sorted(tags):
        if key.endswith("." + tag_key):
            return tags[key]
    return None
