"""``--store oci://namespace/bucket/prefix``: Object Storage ``PutObject``.

Authentication is the OCI collector's (:class:`scanner.collectors.oci.clients.OciClients`):
a config file and profile, an instance principal or a resource principal, and the same
endpoint override (``--oci-endpoint`` / ``AUDITGRAPH_OCI_ENDPOINT``). The client talks to
the region of the credentials (the config's region, or the instance's). Needs
``manage objects`` on the bucket (``OBJECT_CREATE``; ``OBJECT_OVERWRITE`` to upload a run
again).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oci

from scanner.collectors.oci.clients import OciClients
from scanner.delivery.store.destination import Destination, StoreSettings, Uploader, UploadFailure
from scanner.errors import CollectorError


@dataclass(frozen=True)
class OciObjectUploader:
    client: Any
    namespace: str
    bucket: str

    def put(self, key: str, source: Path, content_type: str) -> None:
        try:
            with source.open("rb") as body:
                self.client.put_object(
                    self.namespace,
                    self.bucket,
                    key,
                    body,
                    content_length=source.stat().st_size,
                    content_type=content_type,
                )
        except oci.exceptions.ServiceError as exc:
            raise UploadFailure(f"{exc.status} {exc.code}: {exc.message}") from exc
        except (oci.exceptions.RequestException, oci.exceptions.ClientError) as exc:
            raise UploadFailure(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            raise UploadFailure(f"{source}: {exc.strerror or exc}") from exc


def open_oci_bucket(destination: Destination, settings: StoreSettings) -> Uploader:
    try:
        clients = OciClients.from_options(settings.oci)
    except CollectorError as exc:
        raise UploadFailure(str(exc)) from exc
    namespace, bucket = destination.root
    return OciObjectUploader(clients.object_storage(clients.home_region), namespace, bucket)
