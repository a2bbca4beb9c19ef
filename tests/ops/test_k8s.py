"""deploy/k8s: every resource validates offline against the Kubernetes schemas (strict), the
pods are hardened and probed over gRPC, and the Strimzi KafkaTopics agree with
rebook.runtime.topics.ALL_TOPICS."""

from __future__ import annotations

import re

import kubernetes_validate
import pytest
import yaml

from rebook.runtime.config import DEFAULT_PORTS
from rebook.runtime.topics import ALL_TOPICS
from tests.ops.support import K8S, SERVICES, load_all, load_yaml

K8S_VERSION = "1.33.0"  # a version kubernetes-validate ships schemas for
GRPC_SERVICES = {
    "detector": "rebook.v1.FlightStatusService",
    "locator": "rebook.v1.PassengerLocationService",
    "optimizer": "rebook.v1.RebookingService",
    "notifier": "rebook.v1.NotificationService",
}
PART_OF = {"app.kubernetes.io/part-of": "rebook"}


def _resources() -> list[tuple[str, dict]]:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    return [(name, doc) for name in kustomization["resources"] for doc in load_all(K8S / name)]


def _kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in _resources() if doc["kind"] == kind}


def test_kustomization_lists_every_manifest() -> None:
    listed = set(load_yaml(K8S / "kustomization.yaml")["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "notifier-secret.example.yaml"}
    assert listed == present


@pytest.mark.parametrize(
    "name,doc",
    [(n, d) for n, d in _resources() if not d["apiVersion"].startswith("kafka.")],
    ids=lambda v: v if isinstance(v, str) else f"{v['kind']}/{v['metadata']['name']}",
)
def test_resource_validates(name, doc) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_example_secret_validates_and_holds_no_secret() -> None:
    auth, notifier = load_all(K8S / "notifier-secret.example.yaml")
    for secret in (auth, notifier):
        kubernetes_validate.validate(secret, K8S_VERSION, strict=True)
        assert all(v == "REPLACE-ME" for v in secret["stringData"].values())
    assert (auth["metadata"]["name"], set(auth["stringData"])) == ("rebook-auth", {"auth-secret"})
    assert set(notifier["stringData"]) == {"webhook-secret"}
    assert not _kind("Secret"), "secrets are created out of band, never committed in the base"


@pytest.mark.parametrize("service", SERVICES)
def test_deployment_is_hardened_probed_and_wired(service) -> None:
    deployment = _kind("Deployment")[f"rebook-{service}"]
    grpc_port, metrics_port = DEFAULT_PORTS[service]
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == service and labels.items() >= PART_OF.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pod["serviceAccountName"] == f"rebook-{service}" and f"rebook-{service}" in _kind("ServiceAccount")
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert container["args"] == [service] and container["image"] == "rebook"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]} and security["runAsNonRoot"] is True
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"grpc": grpc_port, "metrics": metrics_port}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["grpc"]["port"] == grpc_port, probe
    assert container["readinessProbe"]["grpc"]["service"] == GRPC_SERVICES[service]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert container["envFrom"] == [{"configMapRef": {"name": "rebook-config"}}]
    config = _kind("ConfigMap")["rebook-config"]["data"]
    assert config[f"REBOOK_{service.upper()}_GRPC_PORT"] == str(grpc_port)
    assert config[f"REBOOK_{service.upper()}_METRICS_PORT"] == str(metrics_port)
    assert config["REBOOK_GRPC_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("service", SERVICES)
def test_service_pdb_and_autoscaling(service) -> None:
    svc = _kind("Service")[f"rebook-{service}"]
    grpc_port, metrics_port = DEFAULT_PORTS[service]
    assert {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]} == {
        "grpc": (grpc_port, "grpc"),
        "metrics": (metrics_port, "metrics"),
    }
    assert svc["spec"]["selector"] == {"app.kubernetes.io/name": service, **PART_OF}
    pdb = _kind("PodDisruptionBudget")[f"rebook-{service}"]
    assert pdb["spec"]["selector"]["matchLabels"] == svc["spec"]["selector"]
    hpas = _kind("HorizontalPodAutoscaler")
    if service in ("locator", "notifier"):
        hpa = hpas[f"rebook-{service}"]
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"rebook-{service}"}
        assert hpa["spec"]["scaleTargetRef"] == target
        assert 1 < hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    else:
        assert f"rebook-{service}" not in hpas


def test_detector_is_a_single_writer() -> None:
    detector = _kind("Deployment")["rebook-detector"]["spec"]
    assert detector["replicas"] == 1 and detector["strategy"] == {"type": "Recreate"}


def test_notifier_secrets_come_from_a_secret() -> None:
    (container,) = _kind("Deployment")["rebook-notifier"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["REBOOK_NOTIFIER_WEBHOOK_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "rebook-notifier-secrets"
    for service in ("detector", "locator", "optimizer", "notifier"):
        (each,) = _kind("Deployment")[f"rebook-{service}"]["spec"]["template"]["spec"]["containers"]
        auth = {e["name"]: e for e in each["env"]}["REBOOK_AUTH_SECRET"]
        assert auth["valueFrom"]["secretKeyRef"]["name"] == "rebook-auth" and "value" not in auth
    config = _kind("ConfigMap")["rebook-config"]["data"]
    assert not [key for key in config if "SECRET" in key or "CLIENTS" in key]


def test_configmap_names_real_settings() -> None:
    """Every REBOOK_* key of the ConfigMap is read somewhere in services/rebook."""
    from tests.ops.support import ROOT

    source = "\n".join(p.read_text() for p in (ROOT / "services" / "rebook").rglob("*.py"))
    for key in _kind("ConfigMap")["rebook-config"]["data"]:
        name = key.removeprefix("REBOOK_")
        per_service = re.sub(r"^(DETECTOR|LOCATOR|OPTIMIZER|NOTIFIER)_(GRPC|METRICS)_PORT$", r"\2_PORT", name)
        assert name in source or per_service != name, key


def test_kafka_topics_agree_with_the_declaration() -> None:
    topics = {doc["spec"]["topicName"]: doc for doc in _kind("KafkaTopic").values()}
    expected = "\n---\n".join(yaml.safe_dump(_strimzi_topic(t), sort_keys=False) for t in ALL_TOPICS)
    assert set(topics) == {t.name for t in ALL_TOPICS}, f"regenerate deploy/k8s/kafka-topics.yaml:\n{expected}"
    for spec in ALL_TOPICS:
        doc = topics[spec.name]
        assert doc["spec"]["partitions"] == spec.partitions, spec.name
        assert doc["spec"]["config"] == _strimzi_topic(spec)["spec"]["config"], spec.name
        policy = doc["spec"]["config"]["cleanup.policy"]
        assert policy == ("compact" if spec.compacted else "delete"), spec.name
        if not spec.compacted:
            assert int(doc["spec"]["config"]["retention.ms"]) == spec.retention_ms, spec.name


def _strimzi_topic(spec) -> dict:
    return {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaTopic",
        "metadata": {"name": spec.name.replace(".", "-"), "labels": {"strimzi.io/cluster": "rebook", **PART_OF}},
        "spec": {
            "topicName": spec.name,
            "partitions": spec.partitions,
            "replicas": 3,
            "config": {**spec.configs(), "min.insync.replicas": "2"},
        },
    }


def test_kafka_topics_have_the_strimzi_shape() -> None:
    """kubernetes-validate has no Strimzi CRDs: the KafkaTopic v1beta2 shape, checked by hand."""
    dns1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
    for name, doc in _kind("KafkaTopic").items():
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
        assert dns1123.fullmatch(name) and len(name) <= 253, name
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == "rebook"
        assert set(doc["spec"]) <= {"topicName", "partitions", "replicas", "config"}
        assert isinstance(doc["spec"]["partitions"], int) and doc["spec"]["partitions"] >= 1
        assert isinstance(doc["spec"]["replicas"], int) and 1 <= doc["spec"]["replicas"] <= 32767
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in doc["spec"]["config"].items()), name
        assert int(doc["spec"]["config"]["min.insync.replicas"]) < doc["spec"]["replicas"]
