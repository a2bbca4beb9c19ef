import math

from rebook.tooling.stats import quantile, weighted_quantile


def test_nearest_rank_is_an_observed_value() -> None:
    values = list(range(1, 201))  # 1..200
    assert quantile(values, 0.99) == 198
    assert quantile(values, 0.5) == 100
    assert quantile(values, 1.0) == 200
    assert quantile([7.0], 0.99) == 7.0


def test_empty_gives_the_callers_choice() -> None:
    assert math.isnan(quantile([], 0.5))
    assert quantile([], 0.5, None) is None


def test_weighted_counts_each_value_weight_times() -> None:
    assert weighted_quantile([(10.0, 1), (20.0, 3)], 0.5) == 20.0
    assert weighted_quantile([(10.0, 2), (20.0, 2)], 0.5) == 10.0
    assert weighted_quantile([], 0.5) is None
