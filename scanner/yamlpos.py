"""Locate a value of a parsed YAML document by its key path, for located error messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import Location


def yaml_node_at(
    node: yaml.Node | None, path: Sequence[int | str], *, key: bool = False
) -> yaml.Node | None:
    """The deepest node along ``path`` (a missing key stops at its parent or the key).

    With ``key`` the last step returns the mapping key rather than its value: the place
    to point at for an unknown key.
    """
    current = node
    for index, part in enumerate(path):
        if isinstance(current, yaml.MappingNode):
            if key and index == len(path) - 1:
                return next((k for k, _ in current.value if k.value == part), current)
            value = next((v for k, v in current.value if k.value == part), None)
            if value is None:
                return next((k for k, _ in current.value if k.value == part), current)
            current = value
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                return current
            current = current.value[part]
        else:
            return current
    return current


def locate(
    file: Path | str,
    node: yaml.Node | None,
    path: Sequence[int | str],
    entry: str | None = None,
    *,
    key: bool = False,
) -> Location:
    found = yaml_node_at(node, path, key=key)
    if entry is None:
        entry = ".".join(str(part) for part in path) or None
    if found is None:
        return Location(str(file), entry)
    return Location(
        str(file), entry, line=found.start_mark.line + 1, column=found.start_mark.column + 1
    )


def yaml_error_location(file: Path | str, exc: yaml.YAMLError) -> Location:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return Location(str(file))
    return Location(str(file), line=mark.line + 1, column=mark.column + 1)


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (the wheels are): several times faster."""


def parse_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse once: the data and the node tree that locates each value (line, column).

    Raises :class:`yaml.YAMLError` as ``yaml.safe_load`` does.
    """
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node
