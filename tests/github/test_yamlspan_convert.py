"""The span tree is the one a plain node-by-node conversion makes, errors included.

``_reference`` is the straightforward conversion (one node at a time from an explicit
stack, the alias budget spent per node): the loader's faster one must give the same
tree, or the same error (kind, line, column, message), on any text, with the limits
lowered so that alias bombs, deep nesting and duplicate keys meet in one document.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipwarden.ci import yamlspan
from shipwarden.ci.yamlspan import Mapping, Node, Scalar, Sequence, YamlError

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(root: yaml.Node, duplicates: str) -> Node:
    budget = [yamlspan.MAX_NODES]

    def shell(y: yaml.Node) -> Node:
        budget[0] -= 1
        if budget[0] < 0:
            raise YamlError(f"more than {yamlspan.MAX_NODES:,} nodes after alias expansion (alias bomb?)", "alias-bomb")
        if isinstance(y, yaml.ScalarNode):
            return Scalar(y.start_mark.index, y.end_mark.index, y.value, y.style or "")
        if isinstance(y, yaml.MappingNode):
            return Mapping(y.start_mark.index, y.end_mark.index, [])
        tag = y.tag if y.tag.startswith("!") and not y.tag.startswith("!!") else ""
        return Sequence(y.start_mark.index, y.end_mark.index, [], tag)

    out = shell(root)
    stack: list[tuple[yaml.Node, Node, int]] = [(root, out, 0)]
    while stack:
        y, node, depth = stack.pop()
        if depth > yamlspan.MAX_DEPTH:
            raise YamlError(f"nesting deeper than {yamlspan.MAX_DEPTH} levels", "too-deep", y.start_mark.line + 1)
        if isinstance(node, Mapping):
            seen: dict[str, int] = {}
            for yk, yv in y.value:
                key = shell(yk)
                if not isinstance(key, Scalar):
                    key = Scalar(key.start, key.end, "<complex key>")
                if key.value in seen and key.value != "<<" and duplicates == "last":
                    node.items = [(k, v) for k, v in node.items if k.value != key.value]
                elif key.value in seen and key.value != "<<":
                    raise YamlError(
                        f"duplicate key {key.value!r} (first defined on line {seen[key.value]})",
                        "duplicate-key",
                        yk.start_mark.line + 1,
                        yk.start_mark.column + 1,
                    )
                seen[key.value] = yk.start_mark.line + 1
                value = shell(yv)
                node.items.append((key, value))
                stack.append((yv, value, depth + 1))
        elif isinstance(node, Sequence):
            for yv in y.value:
                value = shell(yv)
                node.items.append(value)
                stack.append((yv, value, depth + 1))
    return out


def _shape(node: Node) -> object:
    if isinstance(node, Scalar):
        return ("s", node.start, node.end, node.value, node.style)
    if isinstance(node, Sequence):
        return ("q", node.start, node.end, node.tag, [_shape(i) for i in node.items])
    assert isinstance(node, Mapping)
    return ("m", node.start, node.end, [(_shape(k), _shape(v)) for k, v in node.items])


def _outcome(convert: object, root: yaml.Node, duplicates: str) -> object:
    try:
        return _shape(convert(root, duplicates))  # type: ignore[operator]
    except YamlError as exc:
        return ("error", exc.kind, exc.line, exc.column, str(exc))


def _fast(root: yaml.Node, duplicates: str) -> Node:
    return yamlspan._Converter(duplicates).convert(root)


_words = st.sampled_from(["a", "b", "c", "<<", "on", "x y"])


def _text(draw: st.DrawFn) -> str:
    """A small YAML text with anchors, aliases (bombs too), repeated keys, tags, deep flow nesting."""
    lines = ["base: &b [1, 2, [3, 4], {k: v}]", "big: &g [*b, *b, *b, *b]"]
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["alias", "dup", "deep", "map", "seq", "tag", "complex"]))
        key = draw(_words) if kind == "dup" else f"k{i}"
        if kind == "alias":
            value = "[" + ", ".join(draw(st.lists(st.sampled_from(["*b", "*g", "1"]), max_size=8))) + "]"
        elif kind == "deep":
            n = draw(st.integers(0, 12))
            value = "[" * n + draw(st.sampled_from(["", "1", "{a: 1, a: 2}"])) + "]" * n
        elif kind == "map":
            value = "{" + ", ".join(f"{w}: {j}" for j, w in enumerate(draw(st.lists(_words, max_size=5)))) + "}"
        elif kind == "seq":
            value = "[" + ", ".join(draw(st.lists(_words, max_size=5))) + "]"
        elif kind == "tag":
            value = "!reference [job, script]"
        else:
            value = "{[1, 2]: x, ? {a: b} : y}"
        lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


@SETTINGS
@given(st.composite(_text)(), st.sampled_from(["error", "last"]), st.integers(1, 80), st.integers(1, 10))
def test_same_tree_or_error_as_the_reference(text: str, duplicates: str, nodes: int, depth: int) -> None:
    root = yaml.compose(text, Loader=yamlspan._Loader)  # noqa: S506 - compose constructs nothing
    assert root is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(yamlspan, "MAX_NODES", nodes)
        mp.setattr(yamlspan, "MAX_DEPTH", depth)
        assert _outcome(_fast, root, duplicates) == _outcome(_reference, root, duplicates)
    assert _outcome(_fast, root, duplicates) == _outcome(_reference, root, duplicates)
