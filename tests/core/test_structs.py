"""``@struct`` behaves as ``@dataclass(slots=True)`` — repr, equality, hashing, freezing,
pickling, ``replace`` — while compiling only what ``dataclass`` must."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from shipwarden.core.structs import struct


@struct(frozen=True)
class FrozenS:
    a: int
    b: str = "x"
    c: tuple[int, ...] = ()
    hidden: int = field(default=0, repr=False, compare=False)
    hashed_only: int = field(default=0, compare=False, hash=True)


@dataclass(frozen=True, slots=True)
class FrozenD:
    a: int
    b: str = "x"
    c: tuple[int, ...] = ()
    hidden: int = field(default=0, repr=False, compare=False)
    hashed_only: int = field(default=0, compare=False, hash=True)


@struct
class MutableS:
    items: list[Any] = field(default_factory=list)
    name: str = ""


@dataclass(slots=True)
class MutableD:
    items: list[Any] = field(default_factory=list)
    name: str = ""


@struct(frozen=True)
class One:
    x: int


@struct(frozen=True)
class Empty:
    pass


@struct(eq=False)
class Identity:
    x: int


@struct(frozen=True, kw_only=True)
class Keywords:
    x: int
    y: int = 2


@struct(frozen=True)
class OwnEq:
    x: int
    y: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEq) and self.x == other.x


@struct(frozen=True)
class OwnHash:
    x: int

    def __hash__(self) -> int:
        return 7


@struct(frozen=True)
class Child(FrozenS):
    d: int = 4


def _same(s: Any, d: Any) -> None:
    assert repr(s).replace(type(s).__qualname__, "T") == repr(d).replace(type(d).__qualname__, "T")


def test_repr_equals_dataclass_repr() -> None:
    _same(FrozenS(1, "y", (2,), hidden=5), FrozenD(1, "y", (2,), hidden=5))
    _same(MutableS([1, "a"], "n"), MutableD([1, "a"], "n"))
    assert repr(Empty()) == "Empty()"
    assert repr(Child(1, d=5)) == "Child(a=1, b='x', c=(), hashed_only=0, d=5)"


def test_repr_of_a_cycle() -> None:
    s, d = MutableS(), MutableD()
    s.items.append(s)
    d.items.append(d)
    _same(s, d)
    assert repr(s) == "MutableS(items=[...], name='')"


def test_equality_and_hash_equal_dataclass() -> None:
    pairs = [
        (FrozenS(1, "y", hidden=1, hashed_only=3), FrozenS(1, "y", hidden=2, hashed_only=3)),
        (FrozenD(1, "y", hidden=1, hashed_only=3), FrozenD(1, "y", hidden=2, hashed_only=3)),
    ]
    for left, right in pairs:
        assert left == right
        assert (left != right) is False
        assert hash(left) == hash(right)
    assert hash(FrozenS(1, "y", (2,), 0, 3)) == hash(FrozenD(1, "y", (2,), 0, 3)) == hash((1, "y", (2,), 3))
    assert hash(One(5)) == hash((5,))
    assert hash(Empty()) == hash(()) and Empty() == Empty()
    assert FrozenS(1) != FrozenS(2)
    assert FrozenS(1) != FrozenD(1)  # another class is never equal (NotImplemented both ways)
    assert FrozenS(1).__eq__(FrozenD(1)) is NotImplemented
    assert Child(1) != FrozenS(1)
    assert MutableS([1]) == MutableS([1]) and MutableS([1]) != MutableS([2])


def test_mutable_ones_are_unhashable_and_frozen_ones_frozen() -> None:
    with pytest.raises(TypeError):
        hash(MutableS())
    assert MutableS.__hash__ is None and MutableD.__hash__ is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        FrozenS(1).a = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        MutableS().other = 1  # type: ignore[attr-defined]


def test_own_methods_and_identity() -> None:
    assert OwnEq(1, 2) == OwnEq(1, 3)
    assert hash(OwnEq(1, 2)) == hash((1, 2))  # dataclass adds __hash__ even beside an own __eq__
    assert hash(OwnHash(1)) == 7
    a, b = Identity(1), Identity(1)
    assert a != b and a == a and hash(a) != hash(b)


def test_dataclass_functions_and_pickling() -> None:
    s = FrozenS(1, "y", (2,), hidden=3)
    assert dataclasses.is_dataclass(s)
    assert [f.name for f in dataclasses.fields(s)] == ["a", "b", "c", "hidden", "hashed_only"]
    assert dataclasses.replace(s, a=9) == FrozenS(9, "y", (2,), hidden=3)
    assert dataclasses.asdict(s) == {"a": 1, "b": "y", "c": (2,), "hidden": 3, "hashed_only": 0}
    assert pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(MutableS([1], "n"))) == MutableS([1], "n")
    assert not hasattr(s, "__dict__")
    assert Keywords(x=1) == Keywords(x=1, y=2)
    with pytest.raises(TypeError):
        Keywords(1)  # type: ignore[misc]
    match s:
        case FrozenS(a, b):
            assert (a, b) == (1, "y")
    assert FrozenS.__eq__.__qualname__ == "FrozenS.__eq__"


@struct(frozen=True)
class Made:
    a: int
    items: list[int] = field(default_factory=list)
    later: int = field(default=5, init=False)
    built: list[int] = field(default_factory=lambda: [1], init=False)
    keyword: str = field(default="k", kw_only=True)
    checked: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "checked", True)


@dataclass(frozen=True, slots=True)
class MadeD:
    a: int
    items: list[int] = field(default_factory=list)
    later: int = field(default=5, init=False)
    built: list[int] = field(default_factory=lambda: [1], init=False)
    keyword: str = field(default="k", kw_only=True)
    checked: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "checked", True)


def test_init_equals_dataclass_init() -> None:
    for cls in (Made, MadeD):
        one, two = cls(1), cls(1, [2], keyword="x")
        assert (one.a, one.items, one.later, one.built, one.keyword, one.checked) == (1, [], 5, [1], "k", True)
        assert (two.items, two.keyword) == ([2], "x")
        assert one.items is not cls(1).items  # a new list each time
        with pytest.raises(TypeError):
            cls(1, [2], "x")  # type: ignore[misc]
        with pytest.raises(TypeError):
            cls(1, later=3)  # type: ignore[call-arg]
    assert str(inspect.signature(Made)) == "(a, items=<factory>, *, keyword='k')"
    _same(Made(1), MadeD(1))


def test_frozen_guards_and_copies() -> None:
    made = Made(1)
    for action in (lambda: setattr(made, "a", 2), lambda: delattr(made, "a"), lambda: setattr(made, "new", 1)):
        with pytest.raises(dataclasses.FrozenInstanceError) as err:
            action()
        assert "field" in str(err.value)
    assert copy.copy(made) == made and copy.deepcopy(made) == made
    assert pickle.loads(pickle.dumps(made)) == made
    assert dataclasses.replace(made, a=3).a == 3


def test_what_struct_refuses() -> None:
    with pytest.raises(TypeError, match="non-default argument"):

        @struct
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__"):

        @struct(frozen=True)
        class Guarded:
            a: int

            def __setattr__(self, name: str, value: Any) -> None:
                pass


@struct(frozen=True, kw_only=True, slots=False)
class BaseOptions:
    config: str | None = None
    pipeline: bool = True


@struct(frozen=True, kw_only=True, slots=False)
class ScanLikeOptions(BaseOptions):
    roots: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class BaseOptionsD:
    config: str | None = None
    pipeline: bool = True


@dataclass(frozen=True, kw_only=True)
class ScanLikeOptionsD(BaseOptionsD):
    roots: tuple[str, ...] = ()


def test_a_struct_without_slots_keeps_vars_and_equals_the_dataclass() -> None:
    s, d = ScanLikeOptions(roots=("a",), config="c"), ScanLikeOptionsD(roots=("a",), config="c")
    assert vars(s) == vars(d) == {"config": "c", "pipeline": True, "roots": ("a",)}
    assert s.__class__(**{**vars(s), "pipeline": False}) == ScanLikeOptions(roots=("a",), config="c", pipeline=False)
    assert repr(s).replace("ScanLikeOptions", "X") == repr(d).replace("ScanLikeOptionsD", "X")
    assert hash(s) == hash(d) and s == ScanLikeOptions(config="c", roots=("a",)) and s != d
    assert pickle.loads(pickle.dumps(s)) == s
    assert dataclasses.replace(s, roots=()) == ScanLikeOptions(config="c")
    ours, theirs = inspect.signature(ScanLikeOptions).parameters, inspect.signature(ScanLikeOptionsD).parameters
    assert [(p.name, p.kind, p.default) for p in ours.values()] == [
        (p.name, p.kind, p.default) for p in theirs.values()
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.roots = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        ScanLikeOptions(("a",))  # type: ignore[misc]


# The classes @struct builds without calling dataclass (Python 3.11, see structs._OWN_FIELDS)
# and the dataclasses they stand for: the same fields, slots, match args, docstring.


@struct(frozen=True)
class Undocumented:
    a: int
    later: int = field(default=1, init=False)
    keyword: str = field(default="k", kw_only=True)


@dataclass(frozen=True, slots=True)
class UndocumentedD:
    a: int
    later: int = field(default=1, init=False)
    keyword: str = field(default="k", kw_only=True)


@dataclass(frozen=True, slots=True)
class ChildDD(FrozenD):
    d: int = 4


class SlottedBase:
    __slots__ = ("a",)


@struct
class OnSlots(SlottedBase):
    a: int
    b: int = 0


@dataclass(slots=True)
class OnSlotsD(SlottedBase):
    a: int
    b: int = 0


_FIELD_ATTRIBUTES = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare", "metadata")
_PAIRS: list[tuple[type[Any], type[Any]]] = [
    (FrozenS, FrozenD),
    (MutableS, MutableD),
    (Made, MadeD),
    (Undocumented, UndocumentedD),
    (Child, ChildDD),
    (OnSlots, OnSlotsD),
    (ScanLikeOptions, ScanLikeOptionsD),
]


@pytest.mark.parametrize(("ours", "theirs"), _PAIRS, ids=[p[0].__name__ for p in _PAIRS])
def test_a_struct_is_built_as_dataclass_builds_it(ours: type[Any], theirs: type[Any]) -> None:
    def described(cls: type[Any]) -> list[tuple[Any, ...]]:
        def value(f: dataclasses.Field[Any], attribute: str) -> Any:
            found = getattr(f, attribute)
            return found.__name__ if attribute == "default_factory" and callable(found) else found  # two lambdas

        return [
            (*(value(f, a) for a in _FIELD_ATTRIBUTES), f.kw_only, f._field_type)  # type: ignore[attr-defined]
            for f in cls.__dataclass_fields__.values()
        ]

    assert described(ours) == described(theirs)
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert ours.__match_args__ == theirs.__match_args__
    assert ours.__dict__.get("__slots__") == theirs.__dict__.get("__slots__")
    assert hasattr(ours, "__weakref__") == hasattr(theirs, "__weakref__")
    # a class without a docstring gets dataclass's, without annotations and defaults
    assert ours.__doc__ == f"{ours.__name__}({', '.join(f.name for f in dataclasses.fields(ours) if f.init)})"
    assert ours.__qualname__ == ours.__name__ and ours.__module__ == theirs.__module__
    for name in ours.__dataclass_fields__:  # class attributes: the defaults (no slots) or the slot
        assert type(ours.__dict__.get(name)) is type(theirs.__dict__.get(name)), name
        if "__slots__" not in theirs.__dict__:
            assert ours.__dict__.get(name) == theirs.__dict__.get(name)
    assert ours.__dataclass_params__.frozen is False  # the guards come from struct, not from dataclass


def test_struct_leaves_what_it_does_not_know_to_dataclass() -> None:
    import sys
    import typing

    from shipwarden.core import structs

    plain = type("Plain", (), {"__annotations__": {"a": "int"}, "__module__": __name__})
    assert structs._fields_of(plain, False) is not None or not structs._OWN_FIELDS
    # names dataclass looks up in the class's module (CV: an alias it finds as it finds ClassVar)
    module = sys.modules[__name__]
    names = {"typing": typing, "ClassVar": typing.ClassVar, "CV": typing.ClassVar}
    vars(module).update(names)
    try:
        for annotation in ("ClassVar[int]", "typing.ClassVar[int]", "CV[int]", "dataclasses.InitVar[int]"):
            shaped = type("Shaped", (), {"__annotations__": {"a": annotation}, "__module__": __name__})
            assert structs._fields_of(shaped, False) is None, annotation
            with pytest.raises(TypeError, match="InitVar or ClassVar"):
                struct(shaped)
        for namespace in (
            {"__annotations__": {"a": int}},  # not a string annotation
            {"__annotations__": {"a": "list[int]"}, "a": []},  # a mutable default: dataclass refuses it
            {"__annotations__": {}, "a": field(default=1)},  # a field() without annotation
        ):
            odd = type("Odd", (), {**namespace, "__module__": __name__})
            assert structs._fields_of(odd, False) is None
        with pytest.raises(ValueError, match="mutable default"):
            struct(type("Odd", (), {"__annotations__": {"a": "list[int]"}, "a": [], "__module__": __name__}))
        with pytest.raises(TypeError, match="no type annotation"):
            struct(type("Odd", (), {"__annotations__": {}, "a": field(default=1), "__module__": __name__}))
    finally:
        for name in names:
            del vars(module)[name]
