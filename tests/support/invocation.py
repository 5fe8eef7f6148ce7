"""Check that a command line written in a deployment file is one auditgraph accepts.

The arguments go through the real click command behind ``auditgraph`` (typer's), exactly
as at run time up to the point where the command would start: unknown options, missing
values, bad choices, numbers out of range and the options' own checks (``--metrics-file``
must end in ``.prom``...) all fail here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from unittest import mock

import typer
from typer.main import get_command

from scanner.cli import app


@dataclass(frozen=True)
class Invocation:
    command: str
    params: dict[str, Any]


def parse_invocation(args: Sequence[str], env: dict[str, str] | None = None) -> Invocation:
    """The subcommand and its parsed parameters; raises typer's (click's) UsageError, or
    its subclass BadParameter, when invalid.

    ``env`` stands for the process environment while parsing (options read their
    environment variables), so the deployment's variables are checked too.
    """
    root: Any = get_command(app)
    name, *rest = args
    root_context = typer.Context(root, info_name="auditgraph")
    command = root.get_command(root_context, name)
    if command is None:
        raise typer.BadParameter(f"no such command {name!r}")
    with mock.patch.dict(os.environ, env or {}, clear=True):
        context = command.make_context(name, list(rest), parent=root_context)
    return Invocation(name, dict(context.params))
