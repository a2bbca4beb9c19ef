"""Passenger locator: opt-in location pings in, coarse per-passenger proximity out.

``rebook.locator.core`` is the pure core (no grpc, no kafka); raw coordinates never leave it.
"""
