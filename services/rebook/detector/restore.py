"""Start-up: rebuild the detector's state from its own topics before serving.

The flights topic (compacted) gives every leg's latest state and the events it reflects; the
disruptions topic gives every published version.  ``FlightStateStore.restore`` then re-derives
rotations and predictions, so nothing already published is emitted again.
"""

from __future__ import annotations

import logging
import time

from rebook.domain.convert import disruption_from_proto, leg_from_proto
from rebook.domain.errors import DomainError
from rebook.domain.model import Disruption, FlightLeg
from rebook.runtime.kafka import PoisonMessageError, Record, read_to_end
from rebook.v1 import disruption_pb2, flight_pb2

from . import applied as applied_events
from .writer import DetectorWriter

log = logging.getLogger(__name__)


class _Collected:
    def __init__(self) -> None:
        self.legs: dict[str, FlightLeg] = {}
        self.applied: dict[str, applied_events.AppliedEvents] = {}
        self.disruptions: list[Disruption] = []
        self.skipped = 0

    def leg(self, record: Record) -> None:
        message = record.decode(flight_pb2.FlightLeg)
        if message is None:  # tombstone: the leg was removed
            self.legs.pop(record.key or "", None)
            self.applied.pop(record.key or "", None)
            return
        leg = leg_from_proto(message)
        current = self.legs.get(leg.leg_id)
        if current is None or leg.version >= current.version:
            self.legs[leg.leg_id] = leg
            self.applied[leg.leg_id] = applied_events.decode(record.headers.get(applied_events.APPLIED_HEADER, "{}"))

    def disruption(self, record: Record) -> None:
        message = record.decode(disruption_pb2.Disruption)
        if message is not None:
            self.disruptions.append(disruption_from_proto(message))


def rebuild(writer: DetectorWriter, bootstrap: str, timeout_s: float = 60.0) -> None:
    """Reads both topics to their end and restores ``writer``; sets ``writer.ready``."""
    started = time.perf_counter()
    collected = _Collected()
    topics = writer.topics
    for record in read_to_end(bootstrap, (topics.flights, topics.disruptions), timeout_s=timeout_s):
        handle = collected.leg if record.topic == topics.flights.name else collected.disruption
        try:
            handle(record)
        except (PoisonMessageError, DomainError, ValueError) as error:
            collected.skipped += 1
            log.error(
                "unreadable message skipped on restore",
                extra={"topic": record.topic, "offset": record.offset, "error": str(error)},
            )
    healed = writer.restore(collected.legs.values(), collected.applied, collected.disruptions)
    log.info(
        "state rebuilt from kafka",
        extra={
            "legs": len(collected.legs),
            "disruption_versions": len(collected.disruptions),
            "healed": healed,
            "skipped": collected.skipped,
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
