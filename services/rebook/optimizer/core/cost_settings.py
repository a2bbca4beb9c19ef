"""One carrier's prices (``CostSettings``) and how they are read from the JSON of
``REBOOK_OPTIMIZER_COSTS``.  Every term, its default and its source: ``docs/objective.md``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, TypeGuard, TypeVar

from rebook.domain.model import Cabin

from .regions import DEFAULT_CARRIER_REGIONS, EXTRAORDINARY_CAUSES

K = TypeVar("K")
V = TypeVar("V")


def frozen_mapping(mapping: Mapping[K, V]) -> Mapping[K, V]:
    """A read-only copy: the settings dataclasses are frozen, and so are their tables."""
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class CostSettings:
    """One carrier's prices.  Money is in ``currency``; EU261 amounts are in EUR and UK261 in
    GBP as the rules state them, converted with ``value_in_eur``.  Override per carrier with
    ``OptimizerSettings.carrier_costs`` (``REBOOK_OPTIMIZER_COSTS``, docs/objective.md)."""

    currency: str = "EUR"
    value_in_eur: Mapping[str, float] = field(
        default_factory=lambda: frozen_mapping({"EUR": 1.0, "GBP": 1.17, "USD": 0.92})
    )
    home_region: str = ""  # "EU", "UK", "US": the carrier's licence; "" looks it up in the table
    value_of_time_per_hour: float = 35.0  # per weighted passenger (tier x cabin x special needs)
    eu261_eur: tuple[float, float, float] = (250.0, 400.0, 600.0)
    uk261_gbp: tuple[float, float, float] = (220.0, 350.0, 520.0)
    reduction_window_h: tuple[float, float, float] = (2.0, 3.0, 4.0)  # art. 7(2): halved within
    cancellation_reroute_h: float = 2.0  # art. 5(1)(c)(iii): none if re-routed within this
    delay_threshold_h: float = 3.0  # Sturgeon: compensation from 3 h late
    meal_after_h: tuple[float, float, float] = (2.0, 3.0, 4.0)  # art. 6(1)
    meal: float = 15.0  # per passenger
    hotel_night: float = 120.0  # per passenger and night, transfer included below
    hotel_transfer: float = 30.0
    overnight_local_hour: int = 1  # a wait spanning this local hour needs a hotel night
    downgrade_refund_share: tuple[float, float, float] = (0.30, 0.50, 0.75)  # art. 10(2)
    fare_base: float = 50.0  # default one-way economy fare: base + per_km x distance
    fare_per_km: float = 0.11
    cabin_fare_factor: Mapping[Cabin, float] = field(
        default_factory=lambda: frozen_mapping(
            {Cabin.ECONOMY: 1.0, Cabin.PREMIUM_ECONOMY: 1.6, Cabin.BUSINESS: 3.5, Cabin.FIRST: 5.0}
        )
    )
    dot_significant_delay_h: tuple[float, float] = (3.0, 6.0)  # 14 CFR 260.2: domestic, international
    dot_decline_share: float = 0.25  # share of passengers expected to take the refund instead
    goodwill: float = 100.0  # per passenger left without a seat, on top of the refund
    stranded_hours: float = 96.0  # value of time lost finding one's own way, per weighted pax
    # Per extra sub-group when a large group travels on several flights: the group desk divides
    # the record and reissues tickets, and the group loses travelling together (docs/objective.md).
    split_group: float = 150.0
    airport_change: float = 40.0  # per passenger, on top of the transfer time in the delay
    replan: float = 10.0  # per passenger: a re-plan must gain more than this to be sent
    extraordinary_causes: tuple[str, ...] = EXTRAORDINARY_CAUSES
    carrier_regions: Mapping[str, str] = field(default_factory=lambda: DEFAULT_CARRIER_REGIONS)

    def convert(self, amount: float, currency: str) -> float:
        """``amount`` in ``currency`` expressed in this carrier's currency."""
        return amount * self.value_in_eur[currency] / self.value_in_eur[self.currency]

    def fare(self, km: float, cabin: Cabin) -> float:
        """The default one-way fare when the data carries none (docs/objective.md)."""
        return (self.fare_base + self.fare_per_km * km) * self.cabin_fare_factor.get(cabin, 1.0)


def costs_from_mapping(data: Mapping[str, object]) -> tuple[CostSettings, dict[str, CostSettings]]:
    """(default, per carrier) from ``{"default": {...}, "carriers": {"LH": {...}}}`` (the JSON of
    ``REBOOK_OPTIMIZER_COSTS``); a carrier's entry overrides the default's fields it names.
    Raises ValueError naming the first unknown or ill-typed field."""
    unknown = set(data) - {"default", "carriers"}
    if unknown:
        raise ValueError(f"unknown section {sorted(unknown)[0]!r} (expected 'default', 'carriers')")
    default = _override(CostSettings(), data.get("default") or {}, "default")
    carriers = data.get("carriers") or {}
    if not isinstance(carriers, Mapping):
        raise ValueError("carriers: must be an object keyed by carrier code")
    return default, {code: _override(default, v, f"carriers.{code}") for code, v in sorted(carriers.items())}


def _override(base: CostSettings, values: object, where: str) -> CostSettings:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where}: must be an object")
    changes: dict[str, Any] = {}  # each value coerced to its field's type
    for name, value in values.items():
        current = getattr(base, name, None) if name in CostSettings.__dataclass_fields__ else None
        if current is None:
            raise ValueError(f"{where}.{name}: unknown cost setting (docs/objective.md lists them)")
        changes[name] = _coerce(current, value, f"{where}.{name}")
    return replace(base, **changes)


def _coerce(current: object, value: object, where: str) -> object:
    """``value`` (from JSON) as the type of the default ``current``, or ValueError."""
    if isinstance(current, bool | str) and type(value) is type(current):
        return value
    if isinstance(current, int | float) and not isinstance(current, bool) and _number(value):
        return type(current)(value)
    if (
        isinstance(current, tuple)
        and isinstance(value, list)
        and value
        and (isinstance(current[0], str) or len(value) == len(current))
    ):
        return tuple(_coerce(current[0], v, where) for v in value)
    if isinstance(current, Mapping) and isinstance(value, Mapping) and current:
        sample_key, sample = next(iter(current.items()))
        cabins = isinstance(sample_key, Cabin)
        try:
            out = {(Cabin[k] if cabins else k): _coerce(sample, v, where) for k, v in value.items()}
        except KeyError:
            raise ValueError(f"{where}: keys must be cabins ({', '.join(c.name for c in Cabin)})") from None
        return MappingProxyType({**current, **out})
    shown = dict(current) if isinstance(current, Mapping) else current
    raise ValueError(f"{where}: {value!r} does not fit (default {shown!r})")


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
