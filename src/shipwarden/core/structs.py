"""``@struct``: a slotted dataclass whose methods are made here, with next to nothing
compiled (start-up).

Before Python 3.13, :func:`dataclasses.dataclass` writes the source of every method
it adds and compiles it with ``exec``: about 0.1 ms a method, six for a frozen class
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``). A scan of one workflow defines some 120 dataclasses while
importing, and those compilations were a quarter of its whole run. ``struct`` adds
the methods itself:

* ``__repr__``, ``__eq__``, ``__hash__`` and a frozen class's ``__setattr__``,
  ``__delattr__``, ``__getstate__``/``__setstate__`` are closures over the field
  names — the same answers as the generated ones: the same fields in the same
  order, the same ``repr`` text, equal hashes, ``NotImplemented`` for another class,
  ``FrozenInstanceError`` with the same message;
* ``__init__`` is still compiled (a call runs as fast as the generated one), from a
  shorter text: the same parameters and defaults (``<factory>`` for a
  ``default_factory``), ``init=False`` fields set as ``dataclass`` sets them, then
  ``__post_init__()``; its parameters carry no annotations.

On Python 3.11 ``struct`` also collects the fields and makes the slotted class
itself, as ``dataclass(init=False, repr=False, eq=False, slots=…)`` does, in fewer
steps (``dataclass`` looked three times at each string annotation and set each
class attribute one by one: a third of the class building); a class it does not
recognise as plain — a metaclass, its own ``__slots__``, an annotation that is not a
string or may name ``ClassVar``/``InitVar``/``KW_ONLY``, a mutable default, a frozen
dataclass base — is left to ``dataclass``, which accepts or refuses it as before.
Other versions let ``dataclass`` do it (later ones add more to a dataclass).
``tests/core/test_structs.py`` compares the fields, slots, match arguments and
behaviour of structs with those of the dataclasses they stand for.

Use it where ``dataclass`` would be used, in modules a scan imports:

* ``@struct`` is ``@dataclass(slots=True)``;
* ``@struct(frozen=True)`` is ``@dataclass(frozen=True, slots=True)``;
* ``eq=False`` keeps identity equality, ``kw_only=True`` as in ``dataclass``;
* ``slots=False`` keeps a ``__dict__`` (``vars()`` of a public options class);
* no ``InitVar`` or ``ClassVar`` fields (``TypeError``; use ``dataclass``).

The class is a dataclass: :func:`dataclasses.field`, ``fields``, ``replace``,
``asdict``, ``copy``, pickling and pattern matching work as usual, and mypy checks it
as one (frozen included). Only its ``__dataclass_params__`` records ``init=False,
repr=False, eq=False, frozen=False``: those methods come from here.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import typing
from _thread import get_ident
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from types import MemberDescriptorType
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

from shipwarden.core.codecache import compiled_init

T = TypeVar("T")
MISSING: Any = dataclasses.MISSING
_FIELD = getattr(dataclasses, "_FIELD", None)  # the kind of a real field (not ClassVar/InitVar)


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


def _frozen_guards(cls: type, names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """``__setattr__``/``__delattr__`` as a frozen dataclass has them."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}


def _pickling(names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """``__getstate__``/``__setstate__`` of a frozen slotted dataclass: the field values in
    order, as dataclasses pickles one (over the names, not ``fields()`` on every object)."""
    values = _getter(names)

    def __getstate__(self: Any) -> list[Any]:
        return list(values(self))

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=False):
            object.__setattr__(self, name, value)

    return {"__getstate__": __getstate__, "__setstate__": __setstate__}


#: the generated ``__init__``'s own names: a field (a parameter there) can never
#: have them, since a class body mangles a name that starts with two underscores
_SET, _FACTORY = "__s", "__f"


class _Factory:
    """The default of a parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY_MARK = _Factory()


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None] | None:
    """The ``__set__`` of the slot that holds field ``name``: what ``object.__setattr__`` ends
    up calling for it, called directly (a frozen ``__init__`` sets each field this way; a
    third faster than going through ``object.__setattr__``)."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            slot = klass.__dict__[name]
            return slot.__set__ if isinstance(slot, MemberDescriptorType) else None
    return None


def _init(cls: type, fields: tuple[dataclasses.Field[Any], ...], frozen: bool) -> Callable[..., None]:
    """The ``__init__`` dataclasses writes (same parameters, defaults, factories,
    ``__post_init__`` call), in a shorter text: one small compile."""
    ns: dict[str, Any] = {_SET: object.__setattr__, _FACTORY: _FACTORY_MARK}
    params: dict[bool, list[str]] = {False: [], True: []}
    body: list[str] = []
    seen_default = False
    for index, f in enumerate(fields):
        default = f"__d{index}"
        if f.default_factory is not dataclasses.MISSING:
            ns[default] = f.default_factory
            value = f"{default}() if {f.name} is {_FACTORY} else {f.name}" if f.init else f"{default}()"
        elif f.default is not dataclasses.MISSING:
            ns[default] = f.default
            value = f.name if f.init else default
        elif f.init:
            value = f.name
        else:
            continue  # never set, as dataclasses leaves it
        if f.init:
            has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            if not f.kw_only:
                if has_default:
                    seen_default = True
                elif seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
            marker = _FACTORY if f.default_factory is not dataclasses.MISSING else default
            params[bool(f.kw_only)].append(f"{f.name}={marker}" if has_default else f.name)
        if not frozen:
            body.append(f"self.{f.name}={value}")
        elif (setter := _slot_setter(cls, f.name)) is not None:
            ns[f"{_SET}{index}"] = setter
            body.append(f"{_SET}{index}(self,{value})")
        else:
            body.append(f"{_SET}(self,{f.name!r},{value})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    signature = ",".join(["self", *params[False], *(["*", *params[True]] if params[True] else [])])
    exec(compiled_init(f"def __init__({signature}):\n " + ("\n ".join(body) or "pass")), ns)
    init: Callable[..., None] = ns["__init__"]
    return init


def _build(cls: type[T], frozen: bool, eq: bool, kw_only: bool, slots: bool = True) -> type[T]:
    own = dict(cls.__dict__)
    # dataclasses' rule: a __hash__ of the class body counts, the None that defining
    # __eq__ leaves there does not
    class_hash = own.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (class_hash is dataclasses.MISSING or (class_hash is None and "__eq__" in own))
    if frozen and ("__setattr__" in own or "__delattr__" in own):
        name = "__setattr__" if "__setattr__" in own else "__delattr__"
        raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    fields = _fields_of(cls, kw_only) if _OWN_FIELDS else None
    made = _dataclass(cls, slots, kw_only) if fields is None else _made(cls, fields, slots)
    return _complete(made, own, frozen=frozen, eq=eq, explicit_hash=explicit_hash, slots=slots)


def _dataclass(cls: type[T], slots: bool, kw_only: bool) -> type[T]:
    """``dataclass`` collects the fields and makes the slots; the methods come from here."""
    undocumented = not cls.__doc__
    if undocumented:
        # a placeholder: else dataclass writes one from ``inspect.signature`` of the class,
        # whose ``__init__`` is still object's here (it parses that builtin's text signature)
        cls.__doc__ = cls.__name__
    made = dataclasses.dataclass(init=False, repr=False, eq=False, slots=slots, kw_only=kw_only)(cls)
    names = {f.name for f in dataclasses.fields(made)}  # type: ignore[arg-type]
    if "self" in names or names != set(made.__dataclass_fields__):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: @struct takes no InitVar or ClassVar field, nor one named self")
    if undocumented:
        made.__doc__ = _doc(made.__name__, made.__dataclass_fields__)  # type: ignore[attr-defined]
    return made


def _doc(name: str, fields: dict[str, dataclasses.Field[Any]]) -> str:
    """The docstring dataclass gives a class without one (its signature, without defaults)."""
    return f"{name}({', '.join(f.name for f in fields.values() if f.init)})"


#: Python 3.11, whose ``dataclass`` (called with ``init=False, repr=False, eq=False``)
#: :func:`_fields_of` and :func:`_made` repeat step by step for a plain class; later
#: versions add more to a dataclass (``__replace__``, …), so ``dataclass`` does it there.
_OWN_FIELDS = sys.version_info[:2] == (3, 11)
#: the ``__dataclass_params__`` ``dataclass(init=False, repr=False, eq=False)`` records (3.11)
_PARAMS = dataclasses._DataclassParams(False, False, False, False, False, False) if _OWN_FIELDS else None  # type: ignore[attr-defined]
#: ``dataclasses``' own test of a string annotation: ``[module.]name``
_ANNOTATION_HEAD = re.compile(r"^(?:\s*(\w+)\s*\.)?\s*(\w+)")
_CLASSVAR_ALIAS = type(ClassVar[int])
#: the attributes a class gets from ``object`` and its metaclass ``type``
_TYPE_NAMES = frozenset(dir(type))
#: ``Field(default)`` as ``dataclasses.field(default=default)`` makes it (metadata ``None``: its shared empty one)
_NO_METADATA: Any = None
_plain_field = partial(
    dataclasses.Field,
    default_factory=MISSING,
    init=True,
    repr=True,
    hash=None,
    compare=True,
    metadata=_NO_METADATA,
    kw_only=MISSING,
)


def _pseudo(annotation: str, names: dict[str, Any]) -> bool:
    """Might ``dataclass`` read this string annotation as ``ClassVar``, ``InitVar`` or
    ``KW_ONLY`` (looked up as it looks them up, in the class's module ``names``)?"""
    head = annotation.partition("[")[0]
    if head.isascii() and head.isidentifier():  # what the pattern finds in a plain name, without it
        prefix, name = None, head
    else:
        match = _ANNOTATION_HEAD.match(annotation)
        if match is None:
            return False
        prefix, name = match.groups()
    if prefix:
        module = names.get(prefix)
        target = vars(module).get(name) if module is typing or module is dataclasses else None
    else:
        target = names.get(name)
    return (
        target is ClassVar
        or (type(target) is _CLASSVAR_ALIAS and getattr(target, "__origin__", None) is ClassVar)
        or target is dataclasses.InitVar
        or type(target) is dataclasses.InitVar
        or target is dataclasses.KW_ONLY
    )


def _fields_of(cls: type, kw_only: bool) -> dict[str, dataclasses.Field[Any]] | None:
    """The fields ``dataclass`` collects for ``cls`` (its dataclass bases' first), made as
    it makes them and with its class attributes updated as it updates them; ``None``, with
    ``cls`` untouched, for a class it must look at itself: not a plain class, own
    ``__slots__``, an annotation that is no string or may name a pseudo-field, a field named
    ``self``, an unannotated ``field()``, a mutable default, a frozen dataclass base."""
    own = cls.__dict__
    if type(cls) is not type or "__slots__" in own:
        return None
    annotations: dict[str, Any] = own.get("__annotations__", {})
    if any(isinstance(own[name], dataclasses.Field) for name in own.keys() - annotations.keys()):
        return None
    fields: dict[str, dataclasses.Field[Any]] = {}
    plain = len(cls.__mro__) == 2  # (cls, object)
    for base in cls.__mro__[-2:0:-1]:  # not object, the last one, which holds no fields
        inherited = getattr(base, "__dataclass_fields__", None)
        if inherited is not None:
            if base.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                return None
            fields.update((f.name, f) for f in inherited.values())
    module = sys.modules.get(cls.__module__)
    names = vars(module) if module is not None else {}
    made: list[tuple[dataclasses.Field[Any], bool]] = []
    for name, annotation in annotations.items():
        if not isinstance(annotation, str) or name == "self" or _pseudo(annotation, names):
            return None
        # getattr(cls, name, MISSING), without raising and catching AttributeError where the
        # attribute cannot exist (not in cls, nor in object or type, a plain class's others)
        default: Any = MISSING if plain and name not in own and name not in _TYPE_NAMES else getattr(cls, name, MISSING)
        declared = isinstance(default, dataclasses.Field)
        if not declared:
            default = _plain_field(MISSING if isinstance(default, MemberDescriptorType) else default)
        f: dataclasses.Field[Any] = default
        if f.default.__class__.__hash__ is None:  # dataclass refuses a mutable default
            return None
        made.append((f, declared))
    if any(f._field_type is not _FIELD for f in fields.values()):  # type: ignore[attr-defined]
        return None
    for (name, annotation), (f, declared) in zip(annotations.items(), made, strict=True):
        f.name, f.type, f._field_type = name, annotation, _FIELD  # type: ignore[attr-defined]
        if f.kw_only is dataclasses.MISSING:
            f.kw_only = kw_only
        fields[name] = f
        if declared:  # the class attribute becomes the default, as dataclass leaves it
            if f.default is dataclasses.MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    return fields


def _made(cls: type[T], fields: dict[str, dataclasses.Field[Any]], slots: bool) -> type[T]:
    """``cls`` as ``dataclass(init=False, repr=False, eq=False, slots=slots)`` leaves it,
    with ``fields`` (3.11: see :data:`_OWN_FIELDS`)."""
    namespace = dict(cls.__dict__)
    namespace["__dataclass_params__"] = _PARAMS
    namespace["__dataclass_fields__"] = fields
    if not cls.__doc__:
        namespace["__doc__"] = _doc(cls.__name__, fields)
    if "__match_args__" not in namespace:
        namespace["__match_args__"] = tuple(f.name for f in fields.values() if f.init and not f.kw_only)
    if not slots:
        for name in ("__dataclass_params__", "__dataclass_fields__", "__doc__", "__match_args__"):
            if namespace.get(name) is not cls.__dict__.get(name):
                setattr(cls, name, namespace[name])
        return cls
    # dataclasses._add_slots: a new class with a slot for each field its bases have none for
    inherited = {slot for base in cls.__mro__[1:-1] for slot in dataclasses._get_slots(base)}  # type: ignore[attr-defined]
    namespace["__slots__"] = tuple(name for name in fields if name not in inherited)
    for name in (*fields, "__dict__", "__weakref__"):
        namespace.pop(name, None)
    made = type(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    return made


def _complete(
    made: type[T], own: dict[str, Any], *, frozen: bool, eq: bool, explicit_hash: bool, slots: bool
) -> type[T]:
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    methods: dict[str, Callable[..., Any] | None] = {}
    if "__init__" not in own:
        methods["__init__"] = _init(made, fields, frozen)
    if frozen:
        methods.update(_frozen_guards(made, tuple(f.name for f in fields)))
        if slots:  # a __dict__ pickles as dataclasses pickles it
            methods.update((k, v) for k, v in _pickling(tuple(f.name for f in fields)).items() if k not in own)
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
def struct(
    *, frozen: bool = False, eq: bool = True, kw_only: bool = False, slots: bool = True
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def struct(
    cls: type[T] | None = None, /, *, frozen: bool = False, eq: bool = True, kw_only: bool = False, slots: bool = True
) -> type[T] | Callable[[type[T]], type[T]]:
    """A slotted dataclass (see the module's text); ``@struct`` or ``@struct(frozen=True, …)``."""
    if cls is not None:
        return _build(cls, frozen, eq, kw_only, slots)
    return lambda c: _build(c, frozen, eq, kw_only, slots)
