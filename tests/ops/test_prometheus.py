"""deploy/prometheus: configs and rules pass promtool, the alert unit tests pass, every rule
selects series the code exposes, every alert is documented, and the Kubernetes discovery
keeps exactly rebook's pods from deploy/k8s with the labels the rules expect."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from rebook.runtime.config import DEFAULT_PORTS
from tests.ops.support import (
    K8S,
    PROMETHEUS_DIR,
    RULES,
    SERVICES,
    code_metric_names,
    doc_anchors,
    load_all,
    load_yaml,
    metric_names_in,
    recorded_names,
)

CONFIGS = ("prometheus.yml", "prometheus-compose.yml")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=cwd)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.parametrize("name", CONFIGS)
def test_config_is_valid(promtool, name) -> None:
    run(promtool, "check", "config", str(PROMETHEUS_DIR / name))


def test_k8s_config_is_valid(promtool, tmp_path) -> None:
    """Debian's promtool is built without Kubernetes discovery, so promtool checks everything
    but the discovery block (relabelling included) on a copy with static targets, and the
    discovery block is checked here."""
    config = load_yaml(PROMETHEUS_DIR / "prometheus-k8s.yml")
    (job,) = config["scrape_configs"]
    (sd,) = job.pop("kubernetes_sd_configs")
    assert sd == {"role": "pod", "namespaces": {"names": ["rebook"]}}
    job["static_configs"] = [{"targets": ["127.0.0.1:9101"]}]
    config["rule_files"] = [str(PROMETHEUS_DIR / f) for f in config["rule_files"]]
    copy = tmp_path / "prometheus-k8s.yml"
    copy.write_text(yaml.safe_dump(config))
    run(promtool, "check", "config", str(copy))


def test_rules_are_valid(promtool) -> None:
    run(promtool, "check", "rules", *map(str, RULES))


def test_alert_unit_tests(promtool) -> None:
    run(promtool, "test", "rules", "tests/alerts_test.yml", cwd=PROMETHEUS_DIR)


def test_local_and_compose_configs_scrape_every_service_on_its_port() -> None:
    for name, host in (("prometheus.yml", None), ("prometheus-compose.yml", "service")):
        config = load_yaml(PROMETHEUS_DIR / name)
        assert [f"rules/{f}" for f in ("recording.yml", "alerts.yml")] == config["rule_files"]
        jobs = {job["job_name"]: job for job in config["scrape_configs"]}
        assert set(jobs) == {f"rebook-{s}" for s in SERVICES}, name
        for service in SERVICES:
            (static,) = jobs[f"rebook-{service}"]["static_configs"]
            expected = f"{service if host else '127.0.0.1'}:{DEFAULT_PORTS[service][1]}"
            assert static["targets"] == [expected] and static["labels"] == {"service": service}, name


def _rules() -> list[dict]:
    return [rule for path in RULES for group in load_yaml(path)["groups"] for rule in group["rules"]]


def test_rules_select_only_series_that_exist() -> None:
    known = code_metric_names() | recorded_names() | {"up"}
    for rule in _rules():
        unknown = metric_names_in(rule["expr"]) - known
        assert not unknown, f"{rule.get('record') or rule.get('alert')}: unknown series {sorted(unknown)}"


def test_recording_rules_cover_the_brief() -> None:
    names = recorded_names()
    for required in (
        "rebook:disruption_to_notification_seconds:p50_5m",
        "rebook:disruption_to_notification_seconds:p95_5m",
        "rebook:disruption_to_notification_seconds:p99_5m",
        "rebook:optimizer_offers:rate5m",
        "rebook:optimizer_offers_unaccommodated:ratio_rate30m",
        "rebook:optimizer_solve_seconds:p99_5m",
        "rebook:grpc_server_errors:ratio_rate5m",
        "rebook:kafka_consumer_lag_messages:max",
    ):
        assert required in names
    assert "by (le)" in next(r["expr"] for r in _rules() if r.get("record") == "rebook:optimizer_solve_seconds:p99_5m")


def test_every_alert_has_summary_description_and_a_documented_runbook() -> None:
    alerts = [rule for rule in _rules() if "alert" in rule]
    assert len(alerts) >= 10
    anchors = doc_anchors()
    for alert in alerts:
        annotations = alert["annotations"]
        assert annotations.get("summary") and annotations.get("description"), alert["alert"]
        assert alert["labels"]["severity"] in ("page", "ticket", "warning"), alert["alert"]
        url = annotations["runbook_url"]
        path, _, anchor = url.partition("#")
        assert path == "docs/operations.md" and anchor == alert["alert"].lower(), url
        assert anchor in anchors, f"docs/operations.md has no section '{alert['alert']}'"


def test_alerts_cover_the_brief() -> None:
    exprs = {rule["alert"]: rule["expr"] for rule in _rules() if "alert" in rule}
    assert "slow_ratio_rate1h" in exprs["RebookNotificationSLOFastBurn"]
    assert "slow_ratio_rate5m" in exprs["RebookNotificationSLOFastBurn"]
    assert "slow_ratio_rate6h" in exprs["RebookNotificationSLOSlowBurn"]
    assert "slow_ratio_rate30m" in exprs["RebookNotificationSLOSlowBurn"]
    assert 'le="60.0"' in next(r["expr"] for r in _rules() if r.get("record", "").endswith("slow_ratio_rate1h"))
    joined = "\n".join(exprs.values())
    for series in (
        "rebook_kafka_dead_letters_total",
        "rebook_notification_dead_letters_total",
        "rebook_optimizer_batch_failures_total",
        "rebook:optimizer_solver_deadline_hits:ratio_rate30m",
        "rebook:optimizer_offers_unaccommodated:ratio_rate30m",
        "rebook:kafka_consumer_lag_messages:max",
        "up{",
    ):
        assert series in joined, series


def _relabel(rules: list[dict], labels: dict[str, str]) -> dict[str, str] | None:
    """Prometheus relabelling (keep, drop, replace) for the actions the k8s config uses."""
    labels = dict(labels)
    for rule in rules:
        value = rule.get("separator", ";").join(labels.get(name, "") for name in rule["source_labels"])
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        action = rule.get("action", "replace")
        if action == "keep" and not match:
            return None
        if action == "drop" and match:
            return None
        if action == "replace" and match:
            labels[rule["target_label"]] = match.expand(rule.get("replacement", "$1").replace("$1", r"\1"))
    return labels


def _pod_targets(deployment: dict, phase: str = "Running") -> list[dict[str, str]]:
    """The discovery labels Prometheus sees for each container port of a pod of ``deployment``."""
    template = deployment["spec"]["template"]
    pod = {
        "__meta_kubernetes_namespace": "rebook",
        "__meta_kubernetes_pod_name": f"{deployment['metadata']['name']}-abc12",
        "__meta_kubernetes_pod_phase": phase,
        **{
            "__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", key): value
            for key, value in template["metadata"]["labels"].items()
        },
    }
    return [
        {
            **pod,
            "__meta_kubernetes_pod_container_port_name": port["name"],
            "__address__": f"10.0.0.1:{port['containerPort']}",
        }
        for container in template["spec"]["containers"]
        for port in container["ports"]
    ]


def test_k8s_discovery_keeps_the_metrics_port_of_each_service() -> None:
    (job,) = load_yaml(PROMETHEUS_DIR / "prometheus-k8s.yml")["scrape_configs"]
    for service in SERVICES:
        deployment = next(d for d in load_all(K8S / f"{service}.yaml") if d["kind"] == "Deployment")
        kept = [labels for t in _pod_targets(deployment) if (labels := _relabel(job["relabel_configs"], t))]
        assert len(kept) == 1, service
        (labels,) = kept
        assert labels["__address__"].endswith(f":{DEFAULT_PORTS[service][1]}")
        assert labels["service"] == service and labels["job"] == f"rebook-{service}"
        assert labels["namespace"] == "rebook" and labels["pod"].startswith(f"rebook-{service}")
        assert not [t for t in _pod_targets(deployment, "Succeeded") if _relabel(job["relabel_configs"], t)]
    stranger = {
        "__meta_kubernetes_pod_label_app_kubernetes_io_part_of": "other",
        "__meta_kubernetes_pod_container_port_name": "metrics",
    }
    assert _relabel(job["relabel_configs"], stranger) is None
