"""``@struct``: a slotted dataclass whose ``__repr__``, ``__eq__`` and ``__hash__`` are
shared functions instead of generated code (start-up).

Before Python 3.13, :func:`dataclasses.dataclass` writes the source of every method
it adds and compiles it with ``exec``: about 0.1 ms a method, six for a frozen class.
A scan of one workflow defines some 130 dataclasses while importing, and those
compilations were a sixth of its whole run. ``struct`` asks ``dataclass`` only for
``__init__`` (and, for a frozen class, the ``__setattr__``/``__delattr__`` guards,
which ``dataclass`` always generates) and adds the other three as closures over the
field names: the same answers as the generated methods — the same fields in the same
order, the same ``repr`` text, equal hashes, ``NotImplemented`` for another class —
with nothing compiled.

Use it where ``dataclass`` would be used, in modules a scan imports:

* ``@struct`` is ``@dataclass(slots=True)``;
* ``@struct(frozen=True)`` is ``@dataclass(frozen=True, slots=True)``;
* ``eq=False`` keeps identity equality, ``kw_only=True`` as in ``dataclass``.

The class is a dataclass: :func:`dataclasses.field`, ``fields``, ``replace``,
``asdict``, pickling and pattern matching work as usual (only its
``__dataclass_params__`` records ``repr=False, eq=False``: those methods come from here).
"""

from __future__ import annotations

import dataclasses
from _thread import get_ident
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """``obj -> (obj.<name>, ...)``: always a tuple, as the generated methods compare and hash."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    busy: set[tuple[int, int]] = set()  # as dataclasses' own guard: a cycle prints "..."

    def __repr__(self: Any) -> str:
        key = (id(self), get_ident())
        if key in busy:
            return "..."
        busy.add(key)
        try:
            return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"
        finally:
            busy.discard(key)

    return __repr__


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _build(cls: type[T], frozen: bool, eq: bool, kw_only: bool) -> type[T]:
    own = cls.__dict__
    # dataclasses' rule: a __hash__ of the class body counts, the None that defining
    # __eq__ leaves there does not
    class_hash = own.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in own))
    made = dataclasses.dataclass(frozen=frozen, slots=True, kw_only=kw_only, repr=False, eq=False)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    methods: dict[str, Callable[..., Any] | None] = {}
    if "__repr__" not in own:
        methods["__repr__"] = _repr(tuple(f.name for f in fields if f.repr))
    if eq and "__eq__" not in own:
        methods["__eq__"] = _eq(_getter(tuple(f.name for f in fields if f.compare)))
    if eq and not explicit_hash:
        # frozen: hash the fields that take part (hash=, else compare=); mutable: unhashable
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
        methods["__hash__"] = _hash(_getter(hashed)) if frozen else None
    for name, method in methods.items():
        if method is not None:
            method.__name__ = name
            method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made


@overload
def struct(cls: type[T], /) -> type[T]: ...


@overload
def struct(*, frozen: bool = False, eq: bool = True, kw_only: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def struct(
    cls: type[T] | None = None, /, *, frozen: bool = False, eq: bool = True, kw_only: bool = False
) -> type[T] | Callable[[type[T]], type[T]]:
    """A slotted dataclass (see the module's text); ``@struct`` or ``@struct(frozen=True, …)``."""
    if cls is not None:
        return _build(cls, frozen, eq, kw_only)
    return lambda c: _build(c, frozen, eq, kw_only)
