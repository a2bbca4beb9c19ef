"""The detector's composition root: ``build(config, deps) -> Service``, called by ``main`` and by
the integration tests alike.

A detector is its writer (the pure ``FlightStateStore`` behind the Kafka writes) and the gRPC
servicer over it.  It is ready once its state was rebuilt from the topics, and holds its
readiness again whenever Kafka fails to acknowledge a write, until rebuilt
(``servicer.serve_when_rebuilt``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from rebook.flightops import DetectorSettings
from rebook.flightops.config import load_settings
from rebook.runtime.config import Env
from rebook.runtime.service import Readiness, Service, ServiceDeps

from .servicer import DetectorDeps, build_detector, serve_when_rebuilt
from .writer import DetectorWriter, Topics


@dataclass(frozen=True)
class DetectorConfig:
    """The detector's own settings: its rules, its topics and how long Kafka may take."""

    settings: DetectorSettings = field(default_factory=DetectorSettings)
    topics: Topics = field(default_factory=Topics)
    ack_timeout_s: float = 30.0
    restore_timeout_s: float = 60.0


def load_config(environ: Mapping[str, str] | None = None) -> DetectorConfig:
    """``REBOOK_DETECTOR_*`` (documented in ``main``); ``ConfigError`` names a bad variable."""
    env = Env(environ)
    return DetectorConfig(
        settings=load_settings(environ),
        ack_timeout_s=env.duration("DETECTOR_ACK_TIMEOUT", timedelta(seconds=30)).total_seconds(),
        restore_timeout_s=env.duration("DETECTOR_RESTORE_TIMEOUT", timedelta(seconds=120)).total_seconds(),
    )


@dataclass
class DetectorService(Service):
    writer: DetectorWriter | None = None


def build(config: DetectorConfig, deps: ServiceDeps) -> DetectorService:
    detector = DetectorDeps(
        bootstrap=deps.bootstrap,
        producer=deps.producer,
        registry=deps.registry,
        settings=config.settings,
        topics=config.topics,
        ack_timeout_s=config.ack_timeout_s,
        restore_timeout_s=config.restore_timeout_s,
        clock=deps.clock,
        max_workers=deps.grpc_max_workers,
    )
    writer, binding = build_detector(detector)

    def start(readiness: Readiness) -> None:
        serve_when_rebuilt(readiness, writer, detector)

    return DetectorService(bindings=[binding], start=start, before_stop=[writer.close_watchers], writer=writer)
