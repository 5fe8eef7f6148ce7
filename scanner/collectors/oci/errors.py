"""OCI SDK exceptions → (error class, message) for collection gaps."""

from __future__ import annotations

import circuitbreaker
import oci
from oci._vendor.requests.exceptions import RequestException as TransportError

from scanner.collectors.base import ErrorClassifier


def classify_oci_error(exc: BaseException) -> tuple[str, str] | None:
    """Every failure a cloud can cause becomes a gap; programming errors are re-raised."""
    if isinstance(exc, oci.exceptions.ServiceError):
        code = str(exc.code or "")
        status = int(exc.status or 0)
        if status == 429 or code == "TooManyRequests":
            error_class = "TooManyRequests"
        elif status in (401, 403) or code.startswith("NotAuthorized"):
            error_class = code or "NotAuthorized"
        elif status == 404:
            error_class = code or "NotFound"
        elif status >= 500:
            error_class = f"ServerError{status}"
        else:
            error_class = code or f"HTTP{status}"
        return error_class, f"HTTP {status} {code}: {exc.message}"
    if isinstance(exc, TransportError | oci.exceptions.ClientError):
        return type(exc).__name__, str(exc)
    if isinstance(exc, circuitbreaker.CircuitBreakerError):
        return "CircuitBreakerOpen", str(exc)
    if isinstance(exc, TimeoutError | ConnectionError):
        return type(exc).__name__, str(exc)
    return None


CLASSIFY: ErrorClassifier = classify_oci_error
