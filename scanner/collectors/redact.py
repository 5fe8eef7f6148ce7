"""Scrub secrets from what collectors keep, before anything reaches a snapshot.

Collectors keep the SDK payload of each resource in ``raw`` for evidence. Some payloads
carry secrets (an access key's secret, a VPN pre-shared key, a storage connection string,
a SAS URL, a private key pasted into metadata). This pass is the common last line,
applied to every resource when a collection is finalised, whatever each collector
already drops:

- in ``raw`` and ``tags``, every string under a key whose name denotes a secret
  (``SecretAccessKey``, ``password``, ``client_secret``, ``connectionString``,
  ``sasToken``, ``privateKey``, ``authToken``, ``preSharedKey``...) is replaced, and so
  is the value of a name/value pair whose name does (``{"Key": "db_password", ...}``);
- everywhere in ``raw``, ``tags`` and ``props``, a string that looks like a PEM private
  key, a SAS signature or a connection string with a key or password is replaced; so is
  the message of a collection gap (an error message may quote a SAS URL).

The replacement is the fixed :data:`REDACTED` marker, never a hash: a hash of a
low-entropy secret (a password) could be brute-forced. Booleans and numbers under a
secret-looking key (``passwordRequired: true``, ``minimumPasswordLength: 14``) are kept:
they are settings, not secrets.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.model import Resource

REDACTED = "[REDACTED]"

SECRET_NAME_SUFFIXES = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secretkey",
    "secretaccesskey",
    "privatekey",
    "privatekeypem",
    "authtoken",
    "accesstoken",
    "refreshtoken",
    "sessiontoken",
    "bearertoken",
    "clientsecret",
    "connectionstring",
    "sastoken",
    "sasurl",
    "sharedaccesssignature",
    "presharedkey",
    "sharedkey",
    "sharedsecret",
    "authkey",
    "accountkey",
    "primarykey",
    "secondarykey",
)
"""Normalised key names (lower case, letters and digits only) that end like these hold
secrets; ``password_policy`` or ``isSecretKeysEnabled`` do not."""
SECRET_NAMES = frozenset({"token", "pwd", "psk", "credentials"})
"""Whole normalised key names that hold secrets."""

PAIR_NAMES = ("Key", "key", "Name", "name")
PAIR_VALUES = frozenset({"Value", "value"})
"""Name/value lists (``[{"Key": "db_password", "Value": "..."}]``): the value of a pair
whose name denotes a secret is replaced too."""

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
SECRET_VALUE_PATTERNS = (
    re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    re.compile(r"(?:^|[?&;])sig=[A-Za-z0-9%+/=]{8,}", re.IGNORECASE),
    re.compile(
        r"\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=[^;\s]+",
        re.IGNORECASE,
    ),
)


def is_secret_name(name: str) -> bool:
    normalised = _NOT_ALNUM.sub("", name.lower())
    return normalised in SECRET_NAMES or normalised.endswith(SECRET_NAME_SUFFIXES)


def looks_secret(value: str) -> bool:
    return any(pattern.search(value) for pattern in SECRET_VALUE_PATTERNS)


def _blank_strings(value: Any) -> Any:
    """Every string inside ``value`` replaced by the marker (structure and scalars kept)."""
    if isinstance(value, str):
        return REDACTED
    if isinstance(value, dict):
        return {key: _blank_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blank_strings(item) for item in value]
    return value


def scrub(value: Any, by_name: bool = True) -> Any:
    """``value`` with secret strings replaced; by key name only when ``by_name``."""
    if isinstance(value, str):
        return REDACTED if looks_secret(value) else value
    if isinstance(value, dict):
        secret_pair = by_name and _names_a_secret(value)
        return {
            key: _blank_strings(item)
            if by_name and (is_secret_name(str(key)) or (secret_pair and key in PAIR_VALUES))
            else scrub(item, by_name)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item, by_name) for item in value]
    return value


def _names_a_secret(pair: dict[str, Any]) -> bool:
    """A ``{"Key": "db_password", "Value": ...}`` entry (AWS tag sets, settings lists)."""
    return any(
        isinstance(pair.get(name), str) and is_secret_name(pair[name]) for name in PAIR_NAMES
    )


def redact_resource(resource: Resource) -> Resource:
    """The resource with secrets scrubbed from raw, tags and props (itself if none)."""
    raw = scrub(resource.raw)
    tags = scrub(resource.tags)
    props = scrub(resource.props, by_name=False)
    if (raw, tags, props) == (resource.raw, resource.tags, resource.props):
        return resource
    return resource.model_copy(update={"raw": raw, "tags": tags, "props": props})


def redact_resources(resources: list[Resource]) -> list[Resource]:
    return [redact_resource(resource) for resource in resources]
