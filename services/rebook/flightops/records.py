"""``replace`` for the core's frozen dataclasses, several times faster than ``dataclasses.replace``.

``dataclasses.replace`` walks the fields' metadata on every call; the core replaces legs and
disruption versions on every event.  This reads all fields at once (``attrgetter``) and calls
the same ``__init__`` with the changed values, so the result is exactly what
``dataclasses.replace`` gives.  Classes it cannot do that for (``init=False``, keyword-only
or ``InitVar`` fields, ``__post_init__``, a single field) go to ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")

_Plan = tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]] | None
_plans: dict[type, _Plan] = {}


def _plan(cls: type[Any]) -> _Plan:
    fields = dataclasses.fields(cls)
    code = cls.__init__.__code__
    init_params = list(code.co_varnames[1 : code.co_argcount])
    names = [f.name for f in fields]
    if (
        len(fields) < 2
        or any(not f.init or f.kw_only for f in fields)
        or hasattr(cls, "__post_init__")
        or init_params != names  # e.g. InitVar pseudo-fields
    ):
        return None
    return attrgetter(*names), {name: index for index, name in enumerate(names)}


def replace(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)``."""
    cls = type(obj)
    try:
        plan = _plans[cls]
    except KeyError:
        plan = _plans[cls] = _plan(cls)
    if plan is None:
        return dataclasses.replace(obj, **changes)
    getter, index = plan
    values = list(getter(obj))
    for name, value in changes.items():
        position = index.get(name)
        if position is None:
            return dataclasses.replace(obj, **changes)  # raises its own error
        values[position] = value
    return cls(*values)
