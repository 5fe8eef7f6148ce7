# ruff: noqa: E402
"""Endpoints: the standard AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> variables.

The collector never hard-codes an endpoint; boto3 resolves each client's endpoint from the
environment. Both tests replay the reference estate's recorded exchanges.
"""

from __future__ import annotations

from tests.support.aws import use_fake_credentials

use_fake_credentials()

import socket

import pytest

from scanner.collectors.aws.collector import collect_aws
from scanner.model import Snapshot
from tests.support.aws_reference import reference_options, reference_replay

SERVICE_VARIABLES = (
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_S3_CONTROL",
    "AWS_ENDPOINT_URL_KMS",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_DIRECT_CONNECT",
    "AWS_ENDPOINT_URL_CLOUDTRAIL",
    "AWS_ENDPOINT_URL_GUARDDUTY",
    "AWS_ENDPOINT_URL_DATASYNC",
)


def closed_port_url() -> str:
    """A loopback URL nothing listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def uids(snapshot: Snapshot) -> set[str]:
    return {r.uid for r in snapshot.resources}


@pytest.fixture(scope="module")
def expected() -> Snapshot:
    """The reference estate collected through AWS_ENDPOINT_URL alone."""
    with pytest.MonkeyPatch.context() as patch, reference_replay() as server:
        patch.setenv("AWS_ENDPOINT_URL", server.url)
        snapshot, _, _ = collect_aws(reference_options())
        assert server.unmatched == []
    return snapshot


def test_per_service_variables_alone_reach_every_service(
    expected: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with reference_replay() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
        for variable in SERVICE_VARIABLES:
            monkeypatch.setenv(variable, server.url)
        snapshot, _, _ = collect_aws(reference_options())
        assert server.unmatched == []
    assert snapshot.gaps == expected.gaps
    assert snapshot.resources == expected.resources
    assert len(expected.resources) == 38


def test_a_service_variable_overrides_the_global_one(
    expected: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with reference_replay() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", closed_port_url())
        snapshot, _, _ = collect_aws(reference_options())
    kms_gaps = {(g.region, g.operation, g.error_class) for g in snapshot.gaps if g.service == "kms"}
    assert kms_gaps == {
        (region, operation, "EndpointConnectionError")
        for region in ("eu-west-1", "us-east-1")
        for operation in ("list_keys", "list_aliases", "describe_custom_key_stores")
    }
    keys = {u for u in uids(expected) if ":kms:" in u}
    assert len(keys) == 3
    assert uids(snapshot) == uids(expected) - keys
