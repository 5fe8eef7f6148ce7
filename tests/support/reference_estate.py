"""Build the reference estate's snapshot.

The OCI part is what the OCI collector produces from the recorded OCI fixtures
(``fixtures/oci/reference/``), through the real SDK and the replay server; the AWS and
Azure parts come from ``fixtures/estates/reference/source.yaml`` until their collectors
produce them the same way. Run ``python -m tests.support.reference_estate`` after changing
either; ``tests/test_reference_estate.py`` fails when the bundled snapshot drifts.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import collect_oci
from scanner.model import Cloud, Snapshot
from scanner.snapshot import write_snapshot
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
    oci = collect_reference_oci()
    manifest = source.manifest.model_copy(
        update={"scope": {**source.manifest.scope, "oci": oci.manifest.scope["oci"]}}
    )
    return Snapshot(
        manifest=manifest,
        resources=[r for r in source.resources if r.cloud != Cloud.OCI] + oci.resources,
        edges=[e for e in source.edges] + oci.edges,
        gaps=[g for g in source.gaps if g.cloud != Cloud.OCI] + oci.gaps,
    ).normalised()


if __name__ == "__main__":
    write_snapshot(build(), ESTATE / "snapshot")
