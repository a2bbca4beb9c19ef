"""``rebook bench scale`` compares plans across runs, so the clock must not end them."""

import argparse

from rebook.tooling.bench import scale as bench_scale


def test_the_safety_net_is_far_above_the_plan_aim_by_default() -> None:
    parser = argparse.ArgumentParser()
    bench_scale.add_arguments(parser)
    assert parser.parse_args([]).time_limit == bench_scale.SAFETY_NET_S >= 5 * 60
    assert parser.parse_args(["--time-limit", "20"]).time_limit == 20.0
