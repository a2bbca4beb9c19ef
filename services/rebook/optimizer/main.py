"""``rebook optimizer``: runs the RebookingService, its views and its disruption consumer."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

from rebook.domain.bookings import DEFAULT_MAX_PARTY, BookingRules
from rebook.flightops import DetectorSettings
from rebook.flightops.config import load_settings as load_detector_env
from rebook.optimizer.app import OptimizerConfig, build
from rebook.optimizer.core import CoTerminalGroup, OptimizerSettings
from rebook.optimizer.core.cost_settings import CostSettings, costs_from_mapping
from rebook.optimizer.core.solvers import DEFAULT_SOLVER, SOLVER_NAMES
from rebook.optimizer.engine import REPLAN_MODES
from rebook.optimizer.offers import OfferPolicy
from rebook.runtime.config import ConfigError, Env, parse_duration
from rebook.runtime.service import Service, ServiceContext, run_service

DEFAULTS = OptimizerSettings()


def load_costs(env: Env) -> tuple[CostSettings, dict[str, CostSettings]]:
    """The carriers' prices: REBOOK_OPTIMIZER_COSTS names a JSON file
    ``{"default": {...}, "carriers": {"LH": {...}}}`` (docs/objective.md); unset: the defaults."""
    path = env.str("OPTIMIZER_COSTS", "")
    if not path:
        return CostSettings(), {}
    try:
        return costs_from_mapping(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(f"REBOOK_OPTIMIZER_COSTS: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:  # JSON syntax or a field that does not fit
        raise ConfigError(f"REBOOK_OPTIMIZER_COSTS ({path}): {exc}") from None


def load_settings(env: Env) -> OptimizerSettings:
    if env.list("OPTIMIZER_PARTNERS"):
        raise ConfigError(
            "REBOOK_OPTIMIZER_PARTNERS is gone: partnerships are per carrier and directional, "
            "e.g. REBOOK_OPTIMIZER_PARTNERSHIPS=RB=AA/MQ (RB passengers onto AA or MQ)"
        )
    try:
        return _settings(env)
    except ValueError as exc:
        raise ConfigError(f"optimizer settings: {exc}") from None


def load_horizons(env: Env) -> dict[str, timedelta]:
    """REBOOK_OPTIMIZER_HORIZON_BY_CARRIER="RB=96h,XY=48h": a carrier's own rebooking horizon."""
    horizons = {}
    for item in env.list("OPTIMIZER_HORIZON_BY_CARRIER"):
        carrier, _, text = item.partition("=")
        try:
            horizons[carrier.strip().upper()] = parse_duration(text.strip())
        except ValueError as exc:
            raise ConfigError(f"REBOOK_OPTIMIZER_HORIZON_BY_CARRIER: {item!r}: {exc}") from None
    return horizons


def _settings(env: Env) -> OptimizerSettings:
    default_costs, carrier_costs = load_costs(env)
    return OptimizerSettings(
        costs=default_costs,
        carrier_costs=carrier_costs,
        k_best=env.positive_int("OPTIMIZER_K_BEST", 8),
        horizon=env.duration("OPTIMIZER_HORIZON", timedelta(hours=72)),
        horizon_by_carrier=load_horizons(env),
        default_mct=env.duration("OPTIMIZER_DEFAULT_MCT", timedelta(minutes=45)),
        advance_window=env.duration("OPTIMIZER_ADVANCE_WINDOW", DEFAULTS.advance_window),
        stopover=env.duration("OPTIMIZER_STOPOVER", DEFAULTS.stopover),
        co_terminals=load_co_terminals(env),
        partnerships=env.carrier_sets("OPTIMIZER_PARTNERSHIPS"),
        interline=env.carrier_sets("OPTIMIZER_INTERLINE"),
        interline_cost=env.float("OPTIMIZER_INTERLINE_COST", DEFAULTS.interline_cost),
        min_notice=env.duration("OPTIMIZER_MIN_NOTICE", DEFAULTS.min_notice),
        min_notice_by_carrier=env.duration_map("OPTIMIZER_MIN_NOTICE_BY_CARRIER"),
        rotation_risk_cost=env.float("OPTIMIZER_ROTATION_RISK_COST", DEFAULTS.rotation_risk_cost),
        group_split_min_party=env.int("OPTIMIZER_GROUP_SPLIT_SIZE", DEFAULTS.group_split_min_party),
        time_limit_s=env.duration("OPTIMIZER_TIME_LIMIT", timedelta(seconds=10)).total_seconds(),
        solver=env.choice("OPTIMIZER_SOLVER", DEFAULT_SOLVER, SOLVER_NAMES),
    )


def load_co_terminals(env: Env) -> tuple[CoTerminalGroup, ...]:
    """REBOOK_OPTIMIZER_CO_TERMINALS="JFK/LGA/EWR=90m,ORY/CDG=75m:mid" (``:mid`` also allows the
    change between two flights of a journey); unset: the built-in groups, journey ends only."""
    groups = []
    for item in env.list("OPTIMIZER_CO_TERMINALS"):
        spec, _, flag = item.partition(":")
        airports, sep, transfer = spec.partition("=")
        codes = frozenset(a.strip().upper() for a in airports.split("/") if a.strip())
        try:
            if not sep or len(codes) < 2 or flag not in ("", "mid"):
                raise ValueError("expected AIRPORT/AIRPORT[/...]=DURATION[:mid]")
            groups.append(CoTerminalGroup(codes, parse_duration(transfer), mid_journey=flag == "mid"))
        except ValueError as exc:
            raise ConfigError(f"REBOOK_OPTIMIZER_CO_TERMINALS: {item!r}: {exc}") from None
    return tuple(groups) if groups else DEFAULTS.co_terminals


def load_booking_rules(env: Env) -> BookingRules:
    """What UpsertBookings and ``rebook solve`` accept: REBOOK_OPTIMIZER_MAX_PARTY caps a party."""
    return BookingRules(max_party=env.positive_int("OPTIMIZER_MAX_PARTY", DEFAULT_MAX_PARTY))


def load_detector_settings(env: Env) -> DetectorSettings:
    """The detector's rules read exactly as the detector service reads them (REBOOK_DETECTOR_*):
    the optimizer replays events with them in ``Simulate`` and ``rebook solve``."""
    return load_detector_env(env.environ)


def load_policies(env: Env) -> tuple[OfferPolicy, dict[str, OfferPolicy]]:
    """Default policy from REBOOK_OPTIMIZER_OFFER_*; per-carrier overrides as
    REBOOK_OPTIMIZER_CARRIER_POLICIES="RB:ttl=20m:expiry=release:predicted=protect,XY:..."."""
    default = OfferPolicy(
        ttl=env.duration("OPTIMIZER_OFFER_TTL", timedelta(minutes=30)),
        keep_on_expiry=env.choice("OPTIMIZER_OFFER_EXPIRY", "keep", ("keep", "release")) == "keep",
        predicted=env.choice("OPTIMIZER_PREDICTED_POLICY", "offer", ("offer", "protect")),
    )
    policies = {}
    for item in env.list("OPTIMIZER_CARRIER_POLICIES"):
        carrier, *parts = item.split(":")
        options = dict(part.split("=", 1) for part in parts if "=" in part)
        try:
            policies[carrier] = OfferPolicy(
                ttl=parse_duration(options["ttl"]) if options.get("ttl") else default.ttl,
                keep_on_expiry=options.get("expiry", "keep" if default.keep_on_expiry else "release") == "keep",
                predicted=options.get("predicted", default.predicted),
            )
        except ValueError as exc:
            raise ConfigError(f"REBOOK_OPTIMIZER_CARRIER_POLICIES: {carrier}: ttl is invalid: {exc}") from None
    return default, policies


def fault_kill_after_offers(env: Env) -> int | None:
    """REBOOK_FAULT_KILL_AFTER_OFFERS=N (only with REBOOK_ENV=development): the process SIGKILLs
    itself after N offers of its first batch are acknowledged (0: before publishing any; more
    than the batch has: after all of them, before the commit).  The fault tests use it."""
    kill_after = env.int("FAULT_KILL_AFTER_OFFERS", -1)
    if kill_after < 0:
        return None
    if env.str("ENV", "production") != "development":
        raise ConfigError("REBOOK_FAULT_KILL_AFTER_OFFERS is a fault-injection switch; it needs REBOOK_ENV=development")
    return kill_after


def load_config(env: Env) -> OptimizerConfig:
    """The optimizer's settings from ``REBOOK_OPTIMIZER_*`` (and the detector's rules it replays
    with); ``ConfigError`` names a bad variable."""
    default_policy, policies = load_policies(env)
    return OptimizerConfig(
        settings=load_settings(env),
        default_policy=default_policy,
        policies=policies,
        detector_settings=load_detector_settings(env),
        replan=env.choice("OPTIMIZER_REPLAN", "improve", REPLAN_MODES),
        booking_rules=load_booking_rules(env),
        kill_after_offers=fault_kill_after_offers(env),
    )


def build_from(context: ServiceContext) -> Service:
    return build(load_config(Env()), context.deps())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Configured by REBOOK_* environment variables; see README."


def run(args: argparse.Namespace) -> int:
    return run_service("optimizer", build_from)
