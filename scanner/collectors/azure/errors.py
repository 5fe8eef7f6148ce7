"""azure-core exceptions → (error class, message) for collection gaps."""

from __future__ import annotations

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)


def classify_azure_error(exc: BaseException) -> tuple[str, str] | None:
    """Every failure Azure can cause becomes a gap; programming errors are re-raised.

    The class is ARM's error code (AuthorizationFailed, Forbidden, ResourceNotFound,
    TooManyRequests...), the message ARM's own message.
    """
    if isinstance(exc, HttpResponseError):
        error = exc.error
        code = (error.code if error is not None else None) or exc.reason or "HttpResponseError"
        message = (error.message if error is not None else None) or exc.message
        return str(code), str(message or f"HTTP {exc.status_code}")
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return type(exc).__name__, str(exc.message)
    if isinstance(exc, AzureError):
        return type(exc).__name__, str(exc.message)
    if isinstance(exc, TimeoutError | ConnectionError):
        return type(exc).__name__, str(exc)
    return None
