"""The flight-state rules from ``REBOOK_DETECTOR_*`` variables.

One reader for every user of the rules: the detector service, and the optimizer, which replays
events with the same rules in ``Simulate`` and ``rebook solve``.  The variables keep the
detector's name because the detector is where an airline tunes them (see
``rebook.detector.main``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from rebook.runtime.config import Env

from .settings import DetectorSettings


def load_settings(environ: Mapping[str, str] | None = None) -> DetectorSettings:
    """The core's settings from ``REBOOK_DETECTOR_*`` variables."""
    env = Env(environ)
    defaults = DetectorSettings()
    return DetectorSettings(
        delay_threshold_default=env.duration("DETECTOR_DELAY_THRESHOLD", defaults.delay_threshold_default),
        delay_threshold_by_carrier=env.duration_map("DETECTOR_DELAY_THRESHOLD_BY_CARRIER"),
        default_min_turn=env.duration("DETECTOR_DEFAULT_MIN_TURN", defaults.default_min_turn),
        min_turn_by_aircraft_type=env.duration_map("DETECTOR_MIN_TURN_BY_AIRCRAFT_TYPE"),
        max_future_skew=env.duration("DETECTOR_MAX_FUTURE_SKEW", timedelta(minutes=10)),
        max_event_age=env.duration("DETECTOR_MAX_EVENT_AGE", timedelta(days=30)),
    )
