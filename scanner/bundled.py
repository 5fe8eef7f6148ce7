"""Where the bundled data lives: catalog, report templates, playbooks, demo estate.

An installed wheel carries them under ``scanner/_bundled/``; a source checkout has them
at the top of the repository. Nothing is read at import time.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE_DIR / "_bundled"
_CHECKOUT = _PACKAGE_DIR.parent


def _data_dir(name: str, checkout_name: str | None = None) -> Path:
    installed = _INSTALLED / name
    if installed.is_dir():
        return installed
    return _CHECKOUT / (checkout_name or name)


def controls_dir() -> Path:
    return _data_dir("controls")


def reports_dir() -> Path:
    return _data_dir("reports")


def remediation_dir() -> Path:
    return _data_dir("remediation")


def estates_dir() -> Path:
    return _data_dir("estates", "fixtures/estates")


def reference_estate() -> Path:
    """The reference estate: ``snapshot/`` and ``estate.yaml`` (params, declared links)."""
    return estates_dir() / "reference"
