"""Values computed once per object of the model (a job, its facts, a repository)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PerObject(Generic[K, V]):
    """``make(obj)``, computed once per object: keyed by the object's identity and kept with
    the object itself (an id is reused once its object is gone, so a hit must be the same
    object); forgotten all at once past ``limit`` entries."""

    __slots__ = ("_items", "_limit", "_make")

    def __init__(self, make: Callable[[K], V], limit: int = 50_000) -> None:
        self._make = make
        self._limit = limit
        self._items: dict[int, tuple[K, V]] = {}

    def __call__(self, obj: K) -> V:
        hit = self._items.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        if len(self._items) > self._limit:
            self._items.clear()
        value = self._make(obj)
        self._items[id(obj)] = (obj, value)
        return value
