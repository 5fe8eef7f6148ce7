"""Quoting filters and the jinja2 environment of the remediation playbooks.

Every value a playbook interpolates came from a cloud and is hostile text. The filters
turn it into one literal of the target medium:

* ``shell``: one POSIX shell word (``shlex.quote``), so ``$()``, backticks, ``;``, ``&&``,
  ``|``, globs and line breaks stay inside a single argument;
* ``hcl``: one double-quoted HCL string, with ``\\``, ``"`` and control characters
  escaped and the template sequences ``${`` and ``%{`` doubled so Terraform never
  interpolates them;
* ``md``: Markdown text on one line that cannot open a link, code span, emphasis or raw
  HTML.

CLI templates must end every ``{{ ... }}`` with ``shell`` and Terraform templates with
``hcl``, or with ``ident``, which passes identifiers only and raises on anything else (a
test walks each template's AST to enforce it). The environment has no autoescape, so the
filters are the only quoting, and ``StrictUndefined`` makes a missing value an error
instead of an empty string.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from scanner.outputs.markdown import md_cell

_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def shell_quote(value: object) -> str:
    """One shell word holding exactly ``str(value)``."""
    return shlex.quote(str(value))


def hcl_string(value: object) -> str:
    """A double-quoted HCL string literal holding exactly ``str(value)``; booleans and
    numbers (which cannot carry syntax) become HCL's own literals."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    out: list[str] = []
    text = str(value)
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if char in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[char])
        elif char in "$%" and following == "{":
            out.append(char + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def md_text(value: object) -> str:
    """Markdown text on one line; HTML special characters become entities."""
    escaped = md_cell(value)
    return "".join(_HTML_ESCAPES.get(char, char) for char in escaped)


def identifier(value: object) -> str:
    """``value`` unchanged when it is a plain identifier (``[A-Za-z_][A-Za-z0-9_]*``).

    For Terraform block labels, variable names and shell variable names built from
    finding ids; anything else raises, so it can never carry quoting or syntax.
    """
    text = str(value)
    if not _IDENTIFIER.fullmatch(text):
        raise ValueError(f"not an identifier: {text!r}")
    return text


def camel_keys(value: object) -> object:
    """A payload with snake_case keys (as the SDKs return it) in the camelCase the CLIs
    take as JSON arguments; ``None`` members are dropped. Values are not touched."""
    if isinstance(value, dict):
        return {
            _camel(str(key)): camel_keys(item) for key, item in value.items() if item is not None
        }
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def json_text(value: object) -> str:
    """Canonical JSON of a value (sorted keys), to be quoted by ``shell`` or ``hcl``."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


FILTERS = {
    "shell": shell_quote,
    "hcl": hcl_string,
    "md": md_text,
    "ident": identifier,
    "json": json_text,
    "camel_keys": camel_keys,
}
"""Explicit filter registry; ``json`` only serialises, it never quotes."""

FINAL_FILTERS = {".cli.j2": frozenset({"shell", "ident"}), ".tf.j2": frozenset({"hcl", "ident"})}
"""Template suffix → the filters an output expression of such a template may end with:
the medium's quoting filter, or ``ident``, which only lets identifiers through."""


def make_environment(root: Path) -> Environment:
    """The playbook environment: strict undefined, no autoescape, explicit filters."""
    env = Environment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - every medium quotes explicitly, see above
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env
