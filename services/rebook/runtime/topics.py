"""The one declaration of rebook's Kafka topics.

``make kafka-up`` creates them from here, the Kubernetes ``KafkaTopic`` resources are checked
against it, and producers/consumers refer to these constants rather than to strings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000
# Prepended to every topic name (REBOOK_TOPIC_PREFIX, empty by default): lets several
# environments, or the fault tests' service processes, share one cluster without meeting.
TOPIC_PREFIX = os.environ.get("REBOOK_TOPIC_PREFIX", "")


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic: its name, partitioning, retention and the protobuf message it carries."""

    name: str
    partitions: int
    compacted: bool
    retention_ms: int
    message_type: str
    key: str

    def configs(self) -> dict[str, str]:
        """Broker-side topic configs."""
        if self.compacted:
            # Latest state per key is kept forever; tombstones vanish after a day.
            return {
                "cleanup.policy": "compact",
                "delete.retention.ms": str(DAY_MS),
                "min.compaction.lag.ms": "0",
                "segment.ms": str(DAY_MS // 4),
            }
        return {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}


FLIGHTS = TopicSpec(TOPIC_PREFIX + "rebook.flights.v1", 6, True, -1, "rebook.v1.FlightLeg", "leg id")
DISRUPTIONS = TopicSpec(TOPIC_PREFIX + "rebook.disruptions.v1", 6, False, 7 * DAY_MS, "rebook.v1.Disruption", "carrier")
PROXIMITY = TopicSpec(TOPIC_PREFIX + "rebook.proximity.v1", 6, True, -1, "rebook.v1.Proximity", "passenger id")
BOOKINGS = TopicSpec(TOPIC_PREFIX + "rebook.bookings.v1", 6, True, -1, "rebook.v1.Booking", "record locator")
OFFERS = TopicSpec(TOPIC_PREFIX + "rebook.offers.v1", 6, False, 7 * DAY_MS, "rebook.v1.Offer", "record locator")
DEAD_LETTER = TopicSpec(
    TOPIC_PREFIX + "rebook.deadletter.v1", 3, False, 14 * DAY_MS, "bytes (original message)", "original key"
)
NOTIFICATION_DEAD_LETTER = TopicSpec(
    TOPIC_PREFIX + "rebook.notifications.deadletter.v1", 3, False, 14 * DAY_MS, "rebook.v1.Notification", "passenger id"
)
# The notifier's own state (made / delivered / acknowledged notifications, channels), read back on start-up.
NOTIFICATIONS = TopicSpec(
    TOPIC_PREFIX + "rebook.notifications.v1", 6, True, -1, "rebook.v1.Notification | rebook.v1.Channel", "n/ c/ d/ + id"
)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    FLIGHTS,
    DISRUPTIONS,
    PROXIMITY,
    BOOKINGS,
    OFFERS,
    DEAD_LETTER,
    NOTIFICATION_DEAD_LETTER,
    NOTIFICATIONS,
)


def topic_by_name(name: str) -> TopicSpec:
    for spec in ALL_TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(f"undeclared topic {name!r}; declare it in rebook.runtime.topics")
