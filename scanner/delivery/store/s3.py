"""``--store s3://bucket/prefix``: boto3's credential chain; ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_S3`` work as boto3 documents them. Needs ``s3:PutObject``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError

from scanner.delivery.store.destination import Destination, StoreSettings, Uploader, UploadFailure


@dataclass(frozen=True)
class S3Uploader:
    client: Any
    bucket: str

    def put(self, key: str, source: Path, content_type: str) -> None:
        try:
            self.client.upload_file(
                str(source), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise UploadFailure(
                f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
            ) from exc
        except (BotoCoreError, Boto3Error) as exc:
            raise UploadFailure(f"{type(exc).__name__}: {exc}") from exc


def open_s3(destination: Destination, settings: StoreSettings) -> Uploader:
    del settings
    return S3Uploader(boto3.session.Session().client("s3"), destination.root[0])
