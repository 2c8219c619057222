"""Values computed once per object of the model (a job, its facts, a repository)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def per_object(make: Callable[[K], V], limit: int = 50_000) -> Callable[[K], V]:
    """``make`` computed once per object: keyed by the object's identity and kept with the
    object itself (an id is reused once its object is gone, so a hit must be the same
    object); forgotten all at once past ``limit`` entries. (A closure: a call costs a
    plain function call, less than an instance's ``__call__``.)"""
    items: dict[int, tuple[K, V]] = {}

    def once(obj: K) -> V:
        hit = items.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        if len(items) > limit:
            items.clear()
        value = make(obj)
        items[id(obj)] = (obj, value)
        return value

    return once
