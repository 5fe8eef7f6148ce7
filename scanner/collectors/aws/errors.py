"""botocore exceptions → (error class, message) for collection gaps."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError


def classify_aws_error(exc: BaseException) -> tuple[str, str] | None:
    """Every failure a cloud can cause becomes a gap; programming errors are re-raised."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code, f"HTTP {status} {code}: {error.get('Message', '')}".strip()
    if isinstance(exc, ParamValidationError):
        return None
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__, str(exc)
    if isinstance(exc, TimeoutError | ConnectionError):
        return type(exc).__name__, str(exc)
    return None
