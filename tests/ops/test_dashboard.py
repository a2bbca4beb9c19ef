"""deploy/grafana: the dashboard is well-formed and every query selects series the code
exposes or the recording rules produce; the provisioning points at it."""

from __future__ import annotations

import json

from tests.ops.support import DEPLOY, code_metric_names, load_yaml, metric_names_in, recorded_names

GRAFANA = DEPLOY / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "rebook.json"


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def _panels(dashboard: dict) -> list[dict]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


def test_queries_use_existing_series() -> None:
    known = code_metric_names() | recorded_names() | {"up"}
    exprs = [(p["title"], t["expr"]) for p in _panels(_dashboard()) for t in p.get("targets", [])]
    assert len(exprs) >= 30
    for title, expr in exprs:
        names = metric_names_in(expr)
        assert names, f"{title}: {expr} selects nothing"
        assert names <= known, f"{title}: unknown series {sorted(names - known)} in {expr}"


def test_layout_rows_and_ids() -> None:
    dashboard = _dashboard()
    panels = _panels(dashboard)
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] == "rebook-overview" and dashboard["schemaVersion"] >= 36
    rows = [p["title"] for p in panels if p["type"] == "row"]
    for flow in (
        "Disruptions in",
        "Passengers affected",
        "Offers out",
        "Notifications delivered",
        "SLO",
        "Solver",
        "Kafka",
        "gRPC",
    ):
        assert any(title.startswith(flow) for title in rows), flow
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24 and pos["h"] > 0, panel["title"]
    occupied = set()
    for panel in panels:
        pos = panel["gridPos"]
        cells = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells


def test_slo_heatmap_and_quantiles() -> None:
    panels = _panels(_dashboard())
    heatmap = next(p for p in panels if p["type"] == "heatmap")
    (target,) = heatmap["targets"]
    assert "rebook_disruption_to_notification_seconds_bucket" in target["expr"] and target["format"] == "heatmap"
    exprs = " ".join(t["expr"] for p in panels for t in p.get("targets", []))
    for series in (
        "p50_5m",
        "p99_5m",
        "rebook:optimizer_solve_seconds:p99_5m",
        "rebook_optimizer_last_solve_gap_ratio",
        "rebook:kafka_consumer_lag_messages:max",
        "rebook:grpc_server_errors:ratio_rate5m",
        "rebook:optimizer_offers:rate5m",
        "rebook:notifications_delivered:rate5m",
        "rebook:optimizer_passengers_affected:rate5m",
        "rebook:detector_disruptions_emitted:rate5m",
    ):
        assert series in exprs, series


def test_provisioning_matches_the_dashboard() -> None:
    (datasource,) = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["type"] == "prometheus"
    uids = {t["datasource"]["uid"] for p in _panels(_dashboard()) for t in p.get("targets", [])}
    assert uids == {datasource["uid"]}
    (provider,) = load_yaml(GRAFANA / "provisioning" / "dashboards" / "rebook.yml")["providers"]
    compose = load_yaml(DEPLOY / "compose.yaml")
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
