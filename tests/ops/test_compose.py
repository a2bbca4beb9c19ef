"""deploy/compose.yaml and the Dockerfile agree with deploy/k8s: same ports, same REBOOK_*
settings, same hardening, Prometheus and Grafana wired to deploy/prometheus and deploy/grafana.
(Compose itself cannot run here: no Docker engine.)"""

from __future__ import annotations

import re

import pytest

from rebook.runtime.config import DEFAULT_PORTS
from tests.ops.support import DEPLOY, K8S, PROMETHEUS_DIR, ROOT, SERVICES, load_all, load_yaml


def _compose() -> dict:
    return load_yaml(DEPLOY / "compose.yaml")


def _configmap() -> dict[str, str]:
    (config,) = load_all(K8S / "configmap.yaml")
    return config["data"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_matches_k8s(service) -> None:
    compose = _compose()["services"][service]
    grpc_port, metrics_port = DEFAULT_PORTS[service]
    assert compose["command"] == [service]
    assert sorted(compose["ports"]) == sorted([f"{grpc_port}:{grpc_port}", f"{metrics_port}:{metrics_port}"])
    env = {k: str(v) for k, v in compose["environment"].items()}
    k8s = _configmap()
    assert set(k8s) <= set(env), sorted(set(k8s) - set(env))
    for key, value in k8s.items():
        if key != "REBOOK_KAFKA_BOOTSTRAP":
            assert env[key] == value, key
    assert env["REBOOK_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["HEALTH_PORT"] == str(grpc_port)
    extra = {k for k in env if k.startswith("REBOOK_") and k not in k8s}
    assert extra <= {"REBOOK_ENV", "REBOOK_AUTH_SECRET", "REBOOK_NOTIFIER_WEBHOOK_SECRET"}, extra
    assert compose["user"] == "10001:10001" and compose["read_only"] is True
    assert compose["cap_drop"] == ["ALL"] and "no-new-privileges:true" in compose["security_opt"]
    assert compose["depends_on"] == {"topics": {"condition": "service_completed_successfully"}}
    assert compose["build"] == {"context": "..", "dockerfile": "Dockerfile"}


def test_kafka_prometheus_and_grafana() -> None:
    services = _compose()["services"]
    pom = (DEPLOY / "kafka" / "pom.xml").read_text()
    kafka_version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version}"
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["topics"]["command"] == ["topics"]
    volumes = services["prometheus"]["volumes"]
    assert "./prometheus/prometheus-compose.yml:/etc/prometheus/prometheus.yml:ro" in volumes
    assert "./prometheus/rules:/etc/prometheus/rules:ro" in volumes
    assert (PROMETHEUS_DIR / "prometheus-compose.yml").exists()


def test_dockerfile_runs_the_cli_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["rebook"]' in dockerfile
    assert "USER 10001:10001" in dockerfile
    exposed = set(re.search(r"^EXPOSE (.+)$", dockerfile, re.M).group(1).split())
    assert exposed == {str(p) for ports in DEFAULT_PORTS.values() for p in ports}
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert ignore[ignore.index("*") :][:4] == ["*", "!pyproject.toml", "!README.md", "!services/"]
    assert "services/rebook/tooling" in ignore  # the development tools stay out of the image
    for deployment in (d for name in SERVICES for d in load_all(K8S / f"{name}.yaml") if d["kind"] == "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["securityContext"]["runAsUser"] == 10001
