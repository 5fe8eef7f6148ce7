"""``--store az://account/container/prefix``: block blobs through azure-storage-blob.

Credentials: a connection string in ``AZURE_STORAGE_CONNECTION_STRING`` (emulators,
private endpoints; it must name the same account), else ``DefaultAzureCredential``
(environment, workload identity, managed identity, Azure CLI) against
``https://<account>.blob.core.windows.net`` (or ``AUDITGRAPH_AZURE_BLOB_ENDPOINT``). The
connection string is a secret: it is read from the environment only, and never printed
(error messages are scrubbed of keys and SAS signatures). Needs the ``Storage Blob Data
Contributor`` role on the container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from azure.core.exceptions import AzureError, HttpResponseError
from azure.identity import DefaultAzureCredential
from azure.storage.blob import BlobServiceClient, ContentSettings

from scanner.collectors.redact import REDACTED, SECRET_VALUE_PATTERNS
from scanner.delivery.store.destination import Destination, StoreSettings, Uploader, UploadFailure

CONNECTION_STRING_ENV = "AZURE_STORAGE_CONNECTION_STRING"
ENDPOINT_ENV = "AUDITGRAPH_AZURE_BLOB_ENDPOINT"
"""Blob endpoint for DefaultAzureCredential (sovereign clouds, private endpoints);
``{account}`` is replaced. The SDK sends a bearer token over https only."""
PUBLIC_ENDPOINT = "https://{account}.blob.core.windows.net"


def _scrubbed(text: str) -> str:
    for pattern in SECRET_VALUE_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _describe(exc: AzureError) -> str:
    if isinstance(exc, HttpResponseError):
        code = getattr(exc, "error_code", None) or exc.reason or ""
        return f"{exc.status_code} {code}".strip()
    return _scrubbed(f"{type(exc).__name__}: {exc.message}")


@dataclass(frozen=True)
class BlobUploader:
    service: BlobServiceClient
    container: str

    def put(self, key: str, source: Path, content_type: str) -> None:
        blob = self.service.get_blob_client(self.container, key)
        try:
            with source.open("rb") as data:
                blob.upload_blob(
                    data,
                    length=source.stat().st_size,
                    overwrite=True,
                    content_settings=ContentSettings(content_type=content_type),
                )
        except AzureError as exc:
            raise UploadFailure(_describe(exc)) from exc
        except OSError as exc:
            raise UploadFailure(f"{source}: {exc.strerror or exc}") from exc


def _service(account: str) -> BlobServiceClient:
    connection = os.environ.get(CONNECTION_STRING_ENV)
    if not connection:
        url = (os.environ.get(ENDPOINT_ENV) or PUBLIC_ENDPOINT).replace("{account}", account)
        return BlobServiceClient(url, credential=DefaultAzureCredential())
    try:
        service = BlobServiceClient.from_connection_string(connection)
    except ValueError as exc:
        raise UploadFailure(f"${CONNECTION_STRING_ENV} is not a valid connection string") from exc
    if service.account_name != account:
        raise UploadFailure(
            f"${CONNECTION_STRING_ENV} is for account {service.account_name!r}, "
            f"not {account!r} of the destination"
        )
    return service


def open_blob_container(destination: Destination, settings: StoreSettings) -> Uploader:
    del settings
    account, container = destination.root
    return BlobUploader(_service(account), container)
