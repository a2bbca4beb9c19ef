"""Helpers of the deployment tests: repo paths, YAML loading, finding binaries, PromQL names."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
RULES = (PROMETHEUS_DIR / "rules" / "recording.yml", PROMETHEUS_DIR / "rules" / "alerts.yml")
K8S = DEPLOY / "k8s"
OPERATIONS = ROOT / "docs" / "operations.md"
SERVICES = ("detector", "locator", "optimizer", "notifier")


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def binary(name: str) -> str:
    """Path of ``name``; fails under CI (never skips), skips on a developer machine without it."""
    found = shutil.which(name)
    if found:
        return found
    message = f"`{name}` not on PATH: run scripts/ensure-prometheus.sh (apt-get install prometheus)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def code_metric_names() -> set[str]:
    """Every series name the code can expose: names given to Counter/Gauge/Histogram/Summary
    in services/rebook, with the suffixes prometheus-client adds."""
    pattern = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"", re.S)
    names: set[str] = set()
    for path in (ROOT / "services" / "rebook").rglob("*.py"):
        if "/v1/" in path.as_posix():
            continue
        for kind, name in pattern.findall(path.read_text()):
            if kind == "Counter":
                base = name.removesuffix("_total")
                names |= {f"{base}_total", f"{base}_created"}
            elif kind in ("Histogram", "Summary"):
                names |= {name, f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
            else:
                names.add(name)
    return names


def recorded_names() -> set[str]:
    names = set()
    for group in load_yaml(RULES[0])["groups"]:
        names |= {rule["record"] for rule in group["rules"]}
    return names


PROMQL_WORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
    "le",
}


def metric_names_in(expr: str) -> set[str]:
    """The series names a PromQL expression selects (functions, labels and keywords removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # range selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana variables
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or word.lower() in PROMQL_WORDS:
            continue
        before = text[: match.start()]
        if before and (before[-1].isdigit() or before[-1] == "."):
            continue  # exponent or unit of a number literal, e.g. 1e3
        names.add(word)
    return names


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def doc_anchors() -> set[str]:
    return {github_anchor(line.lstrip("#")) for line in OPERATIONS.read_text().splitlines() if line.startswith("#")}
