"""The only place that builds boto3 sessions and clients.

Credentials come from boto3's own chain (environment, profile, SSO, instance or task
role); ``--aws-org-role`` assumes that role in every member account. Every client uses
adaptive retry mode with a bounded number of attempts. Endpoints are never hard-coded:
``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>`` work as boto3 documents them.

Every API operation any client makes is recorded through botocore's ``before-call``
event, which is how the read-only property and the IAM policy are proven.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from scanner.errors import CollectorError

GLOBAL_REGION = "us-east-1"
"""Where global services (IAM, Organizations, STS) are called."""


_ACCOUNT_PREFIX = re.compile(r"^(https?://)\d{12}\.")


def _strip_account_prefix(request: Any, **_: Any) -> None:
    request.url = _ACCOUNT_PREFIX.sub(r"\1", request.url)


@dataclass(frozen=True)
class AwsOptions:
    profile: str | None = None
    regions: tuple[str, ...] = ()
    """Regions to collect; empty means every region enabled for the account."""
    org_role: str | None = None
    """Role assumed in every member account of the organisation; None: this account only."""
    max_attempts: int = 4
    max_workers: int = 8
    connect_timeout: float = 10.0
    read_timeout: float = 30.0


@dataclass
class OperationLog:
    """Thread-safe record of every API operation called, as ``service:Operation``."""

    operations: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        name = f"{model.service_model.service_name}:{model.name}"
        with self._lock:
            self.operations.add(name)


@dataclass
class AwsClients:
    """A boto3 session for one account, and the clients built from it."""

    options: AwsOptions
    session: boto3.Session
    log: OperationLog
    account: str = ""
    caller_arn: str = ""

    @classmethod
    def from_options(cls, options: AwsOptions, log: OperationLog | None = None) -> AwsClients:
        try:
            session = boto3.Session(profile_name=options.profile)
        except BotoCoreError as exc:
            raise CollectorError(f"AWS profile {options.profile!r}: {exc}") from exc
        clients = cls(options, session, log or OperationLog())
        clients._watch(session)
        return clients

    def _watch(self, session: boto3.Session) -> None:
        session.events.register("before-call", self.log.record)

    def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
        config = Config(
            region_name=region,
            retries={"mode": "adaptive", "max_attempts": self.options.max_attempts},
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
        )
        client = self.session.client(service, config=config)
        if service == "s3control" and "amazonaws.com" not in client.meta.endpoint_url:
            # S3 Control prefixes the host with the account id; against a custom endpoint
            # (AWS_ENDPOINT_URL: an emulator or proxy) that host does not exist.
            client.meta.events.register("before-sign.s3-control.*", _strip_account_prefix)
        return client

    def identify(self) -> None:
        """Fill account and caller from STS; a clear error when there are no credentials."""
        try:
            identity = self.client("sts").get_caller_identity()
        except (BotoCoreError, ClientError) as exc:
            raise CollectorError(f"AWS credentials are not usable: {exc}") from exc
        self.account = str(identity["Account"])
        self.caller_arn = str(identity["Arn"])

    def assume(self, account: str, role: str) -> AwsClients:
        """Clients for a member account, through ``role`` (organisation access)."""
        sts = self.client("sts")
        arn = f"arn:aws:iam::{account}:role/{role}"
        response = sts.assume_role(RoleArn=arn, RoleSessionName="auditgraph")
        credentials = response["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        member = AwsClients(self.options, session, self.log, account, arn)
        member._watch(session)
        return member
