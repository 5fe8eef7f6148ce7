"""Shared pydantic configuration and small value types for the contracts."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

JSONValue = Any
"""A JSON-compatible value (str, int, float, bool, None, list, dict)."""


class Contract(BaseModel):
    """Base of every contract model: immutable, and unknown keys are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Cloud(StrEnum):
    OCI = "oci"
    AWS = "aws"
    AZURE = "azure"
