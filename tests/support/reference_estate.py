"""Build the reference estate's snapshot.

Each cloud's part is what its collector produces from recorded API answers, through the
real SDK and a replay server: OCI from ``fixtures/oci/reference/``, AWS from the recorded
exchanges in ``fixtures/aws/reference/``, Azure from ``fixtures/azure/reference/``.
``fixtures/estates/reference/source.yaml`` holds the manifest and what no collector reads
yet (the Entra ID federated domain). Run ``python -m tests.support.reference_estate`` after
changing any of them; ``tests/test_reference_estate.py`` fails when the bundled snapshot
drifts.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import collect_oci
from scanner.model import Snapshot
from scanner.snapshot import write_snapshot
from tests.support.aws_reference import collect_reference_aws
from tests.support.azure_reference import collect_reference_azure
from tests.support.oci_replay import OciReplayServer, load_routes, write_oci_config

REPO = Path(__file__).resolve().parents[2]
ESTATE = REPO / "fixtures" / "estates" / "reference"
OCI_FIXTURES = REPO / "fixtures" / "oci" / "reference"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
RECORDED_HOST = "https://oci-replay.invalid"
"""Stands for the replay server in URLs the snapshot keeps."""


def collect_reference_oci() -> Snapshot:
    os.environ.setdefault("OCI_SDK_DEFAULT_RETRY_ENABLED", "false")
    with tempfile.TemporaryDirectory() as folder:
        config = write_oci_config(Path(folder), TENANCY)
        with OciReplayServer(load_routes(sorted(OCI_FIXTURES.glob("*.yaml")))) as server:
            options = OciOptions(
                config_file=config, endpoint=server.endpoint, retry_attempts=1, max_workers=4
            )
            snapshot, _ = collect_oci(options)
            # Endpoints the API returns (vault management endpoints, identity-domain URLs)
            # point at the replay server, whose port changes from run to run.
            text = snapshot.model_dump_json().replace(server.url, RECORDED_HOST)
    return Snapshot.model_validate_json(text)


def build() -> Snapshot:
    source = Snapshot.model_validate(
        yaml.safe_load((ESTATE / "source.yaml").read_text(encoding="utf-8"))
    )
    azure, _, _ = collect_reference_azure()
    collected = [collect_reference_oci(), collect_reference_aws(), azure]
    scope = dict(source.manifest.scope)
    for part in collected:
        scope.update(part.manifest.scope)
    return Snapshot(
        manifest=source.manifest.model_copy(update={"scope": scope}),
        resources=list(source.resources) + [r for part in collected for r in part.resources],
        edges=list(source.edges) + [e for part in collected for e in part.edges],
        gaps=list(source.gaps) + [g for part in collected for g in part.gaps],
    ).normalised()


if __name__ == "__main__":
    write_snapshot(build(), ESTATE / "snapshot")
