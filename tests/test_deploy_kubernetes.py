"""The Kubernetes manifests under deploy/kubernetes/.

Each document is deserialised into the official ``kubernetes`` client model of its kind
(client-side validation on: a missing required field fails) and serialised back: the
result must equal the document, so a misspelt or misplaced field, which the model would
drop, fails too. Then the settings that matter are asserted, and the CronJob's command
line is parsed by auditgraph's own command.
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client import ApiClient

from scanner.bundled import controls_dir
from scanner.cli_metrics import PUSHGATEWAY_ENV
from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.engine.waiver_file import load_waivers
from scanner.history.url import HISTORY_ENV
from tests.support.invocation import parse_invocation

KUBERNETES = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"
MODELS = {
    ("batch/v1", "CronJob"): "V1CronJob",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Secret"): "V1Secret",
    ("v1", "ConfigMap"): "V1ConfigMap",
}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class _Response:
    """What ApiClient.deserialize reads: the body of an API answer."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.data = json.dumps(document)


def documents(name: str) -> list[dict[str, Any]]:
    loaded = yaml.safe_load_all((KUBERNETES / name).read_text())
    return [document for document in loaded if document is not None]


def only(name: str) -> dict[str, Any]:
    [document] = documents(name)
    return document


def by_name(name: str) -> dict[str, dict[str, Any]]:
    return {document["metadata"]["name"]: document for document in documents(name)}


@pytest.fixture(scope="module")
def cronjob() -> dict[str, Any]:
    return only("cronjob.yaml")


@pytest.fixture(scope="module")
def pod(cronjob: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = cronjob["spec"]["jobTemplate"]["spec"]["template"]
    return spec


@pytest.fixture(scope="module")
def container(pod: dict[str, Any]) -> dict[str, Any]:
    [scan] = pod["spec"]["containers"]
    return dict(scan)


@pytest.mark.parametrize(
    "name", ["cronjob.yaml", "serviceaccount.yaml", "secret.example.yaml", "configmap.yaml"]
)
def test_every_document_is_exactly_its_kubernetes_model(name: str) -> None:
    client = ApiClient()
    for document in documents(name):
        model = MODELS[(document["apiVersion"], document["kind"])]
        deserialised = client.deserialize(_Response(document), model)
        assert client.sanitize_for_serialization(deserialised) == document


def test_kustomization_lists_the_manifests_but_no_secret() -> None:
    kustomization = only("kustomization.yaml")
    assert kustomization["resources"] == ["serviceaccount.yaml", "configmap.yaml", "cronjob.yaml"]
    namespaces = {
        document["metadata"]["namespace"]
        for name in (*kustomization["resources"], "secret.example.yaml")
        for document in documents(name)
    }
    assert namespaces == {kustomization["namespace"]}


def test_cronjob_never_overlaps_and_keeps_a_bounded_history(cronjob: dict[str, Any]) -> None:
    spec = cronjob["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] == 3600
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 5)
    job = spec["jobTemplate"]["spec"]
    [no_retry, ignore_disruption] = job["podFailurePolicy"]["rules"]
    assert no_retry["action"] == "FailJob"
    assert no_retry["onExitCodes"] == {"containerName": "scan", "operator": "In", "values": [1, 2]}
    assert ignore_disruption["onPodConditions"] == [{"type": "DisruptionTarget"}]


def test_pod_runs_non_root_read_only_without_capabilities(
    pod: dict[str, Any], container: dict[str, Any]
) -> None:
    pod_security = pod["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] == 10001
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["restartPolicy"] == "Never"
    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert {"cpu", "memory"} <= set(resources["limits"])


def test_every_writable_path_is_an_empty_dir(
    pod: dict[str, Any], container: dict[str, Any]
) -> None:
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    assert {mount["name"] for mount in mounts.values()} == set(volumes)
    writable = {path for path, mount in mounts.items() if not mount.get("readOnly")}
    assert writable == {"/tmp", "/srv/auditgraph/out"}
    for path in writable:
        assert "emptyDir" in volumes[mounts[path]["name"]]
    env = {variable["name"]: variable for variable in container["env"]}
    assert env["HOME"]["value"] == "/tmp"
    assert env["TMPDIR"]["value"] == "/tmp"


def test_command_line_is_a_valid_scan_and_reads_mounted_files(
    pod: dict[str, Any], container: dict[str, Any]
) -> None:
    env = {v["name"]: v.get("value", "from-secret") for v in container["env"]}
    invocation = parse_invocation(container["args"], env)
    assert invocation.command == "scan"
    params = invocation.params
    assert params["history"] == "from-secret"
    assert params["pushgateway"] == env[PUSHGATEWAY_ENV]
    assert str(params["out"]) == "/srv/auditgraph/out"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
    configmap = only("configmap.yaml")
    oci_secret = by_name("secret.example.yaml")["auditgraph-oci"]
    keys_of = {
        "auditgraph-config": set(configmap["data"]),
        "auditgraph-oci": set(oci_secret["stringData"]),
    }
    for option in ("config", "waivers", "oci_config"):
        path = Path(params[option])
        volume = volumes[mounts[str(path.parent)]]
        source = volume.get("configMap", {}).get("name") or volume["secret"]["secretName"]
        assert path.name in keys_of[source], (option, path)


def test_history_url_comes_from_the_secret(container: dict[str, Any]) -> None:
    env = {variable["name"]: variable for variable in container["env"]}
    reference = env[HISTORY_ENV]["valueFrom"]["secretKeyRef"]
    history = by_name("secret.example.yaml")[reference["name"]]
    assert reference["key"] in history["stringData"]
    assert history["stringData"][reference["key"]].startswith("postgresql://")
    optional = container["envFrom"][0]["secretRef"]
    assert optional == {"name": "auditgraph-cloud-env", "optional": True}


def test_oci_config_names_the_mounted_key(pod: dict[str, Any], container: dict[str, Any]) -> None:
    oci = by_name("secret.example.yaml")["auditgraph-oci"]["stringData"]
    parser = configparser.ConfigParser()
    parser.read_string(oci["config"])
    key_file = Path(parser["DEFAULT"]["key_file"])
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert str(key_file.parent) == mounts["oci"]
    assert key_file.name in oci
    [oci_volume] = [v for v in pod["spec"]["volumes"] if v["name"] == "oci"]
    assert oci_volume["secret"]["defaultMode"] == 0o440


def test_secret_example_holds_placeholders_only() -> None:
    for secret in documents("secret.example.yaml"):
        assert "data" not in secret
        for key, value in secret["stringData"].items():
            assert "CHANGE-ME" in value, key
            assert "PRIVATE KEY-----" not in value


def test_workload_identity_for_aws_and_azure(pod: dict[str, Any]) -> None:
    account = only("serviceaccount.yaml")
    assert pod["spec"]["serviceAccountName"] == account["metadata"]["name"]
    annotations = account["metadata"]["annotations"]
    assert re.fullmatch(
        r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", annotations["eks.amazonaws.com/role-arn"]
    )
    assert UUID.match(annotations["azure.workload.identity/client-id"])
    assert UUID.match(annotations["azure.workload.identity/tenant-id"])
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    comments = (KUBERNETES / "serviceaccount.yaml").read_text()
    for note in ("IRSA", "AKS workload identity", "instance_principal", "OKE workload identity"):
        assert note in comments


def test_configmap_holds_a_valid_estate_config_and_waivers(tmp_path: Path) -> None:
    data = only("configmap.yaml")["data"]
    (tmp_path / "estate.yaml").write_text(data["estate.yaml"])
    (tmp_path / "waivers.yaml").write_text(data["waivers.yaml"])
    config = load_config(tmp_path / "estate.yaml")
    assert config.params.allowed_jurisdictions == ["EU", "EEA"]
    known = {control.id for control in load_catalog(controls_dir()).controls}
    waivers = load_waivers(tmp_path / "waivers.yaml", known)
    assert [waiver.id for waiver in waivers] == ["W-2026-001"]
