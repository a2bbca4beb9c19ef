"""The cyclic garbage collector off while a block makes millions of objects without cycles.

Not domain logic, but plain Python with no dependencies, shared by the optimizer's pure core
(a plan allocates millions of itineraries and candidates next to an airline's views) and the
scenario readers (millions of bookings): every full collection walks all live objects again,
which at airline size took about half of the candidate time and made reading 4x slower.
Reference counting still frees everything that is not a cycle.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"depth": 0, "was_enabled": True}


@contextmanager
def cyclic_gc_paused(freeze: bool = False) -> Iterator[None]:
    """Collector off for the block (blocks may overlap on several threads; it resumes, if it ran,
    when the last one ends).  ``freeze``: what is alive at the end is frozen before the collector
    is back on, so later collections skip it — otherwise the allocations counted meanwhile set off
    a full collection at once (2 s after reading the airline scenario)."""
    with _lock:
        if _state["depth"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            if freeze:
                gc.freeze()
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["was_enabled"]:
                gc.enable()
