"""Load attacker-controlled YAML into a small node tree that keeps exact spans.

PyYAML's composer (the C-accelerated one when libyaml is present) gives every
node its start and end mark without constructing Python objects, so tags such
as ``!!python/object`` are never resolved and YAML 1.1 booleans (``on:``) stay
the text they were written as. Aliases are not expanded by composition; we
convert them with a budget so an alias bomb becomes a clear error instead of
an exhausted machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field
from pathlib import Path

import yaml

from shipwarden.core import safeio
from shipwarden.core.structs import struct
from shipwarden.core.textindex import SourceText as SourceText

try:  # pragma: no cover - depends on the wheel
    # libyaml's parser and composer alone: a loader's constructor and resolver state
    # (CBaseLoader's Python-level __init__s) is never used, and cost a twentieth of
    # composing an ordinary workflow
    from yaml._yaml import CParser as _Base
except ImportError:  # pragma: no cover
    from yaml import BaseLoader as _Base  # type: ignore[assignment]

ScalarNode = yaml.ScalarNode


class _Loader(_Base):
    """libyaml's parser and composer with a resolver that does nothing.

    Scalars stay the text they were written as (``on:`` is a key, not ``True``),
    so the implicit-tag regular expressions PyYAML would run on every scalar are
    skipped: a fifth of the loading time on ordinary workflows. A node without an
    explicit tag gets the tag "" (only an explicit local tag is ever read), and no
    path resolvers are kept: the composer calls ``resolve``, ``descend_resolver`` and
    ``ascend_resolver`` for every node. Each is ``"".format``, which takes any
    arguments and returns "", so those calls never enter the interpreter (a fiftieth
    of composing the corpus).
    """

    resolve = descend_resolver = ascend_resolver = staticmethod("".format)


class _RedefiningLoader(yaml.BaseLoader):
    """Pure-Python composer that lets a later anchor of the same name replace the earlier
    one (YAML 1.2; Ruby's parser, which GitLab uses, accepts it). libyaml's composer refuses
    it, so this slower path is taken only after that refusal, for GitLab files."""

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return ""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if not self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            if event.anchor is not None:
                self.anchors.pop(event.anchor, None)
        return super().compose_node(parent, index)


#: Largest workflow file we read. GitHub itself rejects far smaller files.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Upper bound on nodes after alias expansion (alias bombs).
MAX_NODES = 400_000
#: Deepest nesting we accept.
MAX_DEPTH = 200


class YamlError(Exception):
    """The file cannot be analysed; ``kind`` is a short machine-readable reason."""

    def __init__(self, message: str, kind: str = "yaml", line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.line = line
        self.column = column


@struct(eq=False)
class Node:
    """Base node: character offsets into the source text (end exclusive)."""

    start: int
    end: int


@struct(eq=False)
class Scalar(Node):
    value: str
    #: '' plain, '|' literal, '>' folded, "'" or '"' quoted
    style: str = ""

    def __str__(self) -> str:
        return self.value


@struct(eq=False)
class Mapping(Node):
    items: list[tuple[Scalar, Node]] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        for k, v in self.items:
            if k.value == key:
                return v
        return None

    def key_node(self, key: str) -> Scalar | None:
        for k, _ in self.items:
            if k.value == key:
                return k
        return None

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.items]

    def __iter__(self) -> Iterator[tuple[Scalar, Node]]:
        return iter(self.items)


@struct(eq=False)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)
    #: an explicit local tag written on the sequence (GitLab's ``!reference``), else ""
    tag: str = ""

    def __iter__(self) -> Iterator[Node]:
        return iter(self.items)


def decode(data: bytes, path: str = "") -> str:
    if len(data) > MAX_FILE_BYTES:
        raise YamlError(
            f"file is {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for workflow files",
            kind="too-large",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not valid UTF-8 at byte {exc.start}", kind="encoding") from None


class _Converter:
    """Composed nodes → spanned nodes, alias expansion counted against :data:`MAX_NODES`.

    A collection's children are made first (counted, its keys checked), then its
    nested collections are filled, last one first; a scalar needs no second visit.
    The depth is bounded by :data:`MAX_DEPTH`, and so is the recursion.
    """

    __slots__ = ("budget", "last")

    def __init__(self, duplicates: str = "error") -> None:
        self.budget = MAX_NODES
        #: a repeated key replaces the earlier one (Ruby's YAML, as GitLab reads it)
        self.last = duplicates == "last"

    def convert(self, root: yaml.Node) -> Node:
        self._spend(1)
        if isinstance(root, ScalarNode):
            return Scalar(root.start_mark.index, root.end_mark.index, root.value, root.style or "")
        out = _collection(root)
        self._fill(root, out, 0)
        return out

    def _spend(self, count: int) -> None:
        self.budget -= count
        if self.budget < 0:
            raise YamlError(f"more than {MAX_NODES:,} nodes after alias expansion (alias bomb?)", kind="alias-bomb")

    def _fill(self, ynode: yaml.Node, node: Mapping | Sequence, depth: int) -> None:
        """Make the children of the collection ``ynode`` (``node`` is its empty shell) and fill theirs."""
        nested: list[tuple[yaml.Node, Mapping | Sequence]] = []
        if isinstance(node, Mapping):
            last = self._pairs(ynode.value, node.items, nested)
        else:
            last = self._sequence(ynode.value, node.items, nested)
        if last is not None and depth >= MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", kind="too-deep", line=last.start_mark.line + 1)
        for yv, value in reversed(nested):
            self._fill(yv, value, depth + 1)

    def _pairs(
        self,
        children: list[tuple[yaml.Node, yaml.Node]],
        items: list[tuple[Scalar, Node]],
        nested: list[tuple[yaml.Node, Mapping | Sequence]],
    ) -> yaml.Node | None:
        """A mapping's items (its keys checked); the last value node, if any."""
        pairs = children
        if 2 * len(pairs) > self.budget:
            # the budget runs out in this mapping: the keys made before that are checked
            pairs = pairs[: (self.budget + 1) // 2]
        seen: dict[str, yaml.Node] = {}  # key name -> its first key node
        for yk, yv in pairs:
            if isinstance(yk, ScalarNode):
                name = yk.value
                key = Scalar(yk.start_mark.index, yk.end_mark.index, name, yk.style or "")
            else:  # complex keys are not valid in workflows; keep a textual key
                name = "<complex key>"
                key = Scalar(yk.start_mark.index, yk.end_mark.index, name)
            if name in seen and name != "<<":
                if not self.last:
                    raise YamlError(
                        f"duplicate key {name!r} (first defined on line {seen[name].start_mark.line + 1})",
                        kind="duplicate-key",
                        line=yk.start_mark.line + 1,
                        column=yk.start_mark.column + 1,
                    )
                items[:] = [(k, v) for k, v in items if k.value != name]
            else:
                seen[name] = yk
            value: Node
            if isinstance(yv, ScalarNode):
                value = Scalar(yv.start_mark.index, yv.end_mark.index, yv.value, yv.style or "")
            else:
                value = _collection(yv)
                nested.append((yv, value))
            items.append((key, value))
        self._spend(2 * len(children))
        return children[-1][1] if children else None

    def _sequence(
        self, children: list[yaml.Node], items: list[Node], nested: list[tuple[yaml.Node, Mapping | Sequence]]
    ) -> yaml.Node | None:
        """A sequence's items; the last item node, if any."""
        self._spend(len(children))
        for yv in children:
            if isinstance(yv, ScalarNode):
                items.append(Scalar(yv.start_mark.index, yv.end_mark.index, yv.value, yv.style or ""))
            else:
                value = _collection(yv)
                items.append(value)
                nested.append((yv, value))
        return children[-1] if children else None


def _collection(ynode: yaml.Node) -> Mapping | Sequence:
    """An empty spanned collection for the mapping or sequence ``ynode``."""
    start, end = ynode.start_mark.index, ynode.end_mark.index
    if isinstance(ynode, yaml.MappingNode):
        return Mapping(start, end, [])
    tag = ynode.tag if ynode.tag.startswith("!") and not ynode.tag.startswith("!!") else ""
    return Sequence(start, end, [], tag)


#: Texts longer than this get their nesting measured from the event stream before
#: composition: libyaml's composer recurses natively and a few tens of thousands of
#: levels (``[[[[…``, ``- - - …``) overflow the C stack, killing the process. Shorter
#: texts cannot nest deep enough for that and skip the extra pass, and so do longer
#: ones that :func:`shipwarden.core.safeio.yaml_shallow` shows cannot pass the limit.
DEPTH_PRECHECK_CHARS = 8_192


def _check_depth(text: str) -> None:
    depth = 0
    parser = _Loader(text)
    while parser.check_event():
        event = parser.get_event()
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else 0
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", kind="too-deep", line=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load(text: str, *, duplicates: str = "error") -> Node | None:
    """Compose one YAML document into spanned nodes; ``None`` for an empty file.

    A key repeated in one mapping is an error (GitHub refuses such workflows);
    ``duplicates="last"`` keeps the later value instead, as GitLab does. Local
    tags on sequences (``!reference [job, script]``) are kept in ``Sequence.tag``.
    """
    docs = _compose(text, duplicates, single=True)
    return docs[0] if docs else None


def load_documents(text: str, *, duplicates: str = "error") -> list[Node]:
    """Every document of a YAML stream (GitLab components put ``spec:`` before ``---``)."""
    return _compose(text, duplicates, single=False)


def _compose_all(text: str, duplicates: str) -> list[yaml.Node]:
    try:
        composer = _Loader(text)
        roots: list[yaml.Node] = []
        while composer.check_node():
            root = composer.get_node()
            if root is not None:
                roots.append(root)
        return roots
    except yaml.composer.ComposerError as exc:
        if duplicates != "last" or "duplicate anchor" not in str(exc.context or ""):
            raise
        return [r for r in yaml.compose_all(text, Loader=_RedefiningLoader) if r is not None]  # noqa: S506


def _compose(text: str, duplicates: str, *, single: bool) -> list[Node]:
    try:
        if len(text) > DEPTH_PRECHECK_CHARS and not safeio.yaml_shallow(text, MAX_DEPTH):
            _check_depth(text)
        if single:
            one = _Loader(text).get_single_node()  # composed, never constructed into objects
            roots = [one] if one is not None else []
        else:
            roots = _compose_all(text, duplicates)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", kind="yaml", line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", kind="yaml") from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", kind="too-deep") from None
    converter = _Converter(duplicates)
    return [converter.convert(root) for root in roots]


def read_inside(root: Path | safeio.Root, rel: str) -> bytes:
    """Read ``root/rel`` through :mod:`shipwarden.core.safeio`: inside the root, a regular file, bounded."""
    try:
        return safeio.read_bytes(rel, root=root, limit=MAX_FILE_BYTES)
    except safeio.ReadRefused as exc:
        kind = "symlink" if exc.kind == "outside-root" else exc.kind
        raise YamlError(str(exc), kind=kind) from None


# --------------------------------------------------------------------------- values


def scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, Scalar) else None


def str_list(node: Node | None) -> list[str]:
    if isinstance(node, Scalar):
        return [node.value]
    if isinstance(node, Sequence):
        return [item.value for item in node.items if isinstance(item, Scalar)]
    return []


def str_map(node: Node | None) -> dict[str, Scalar]:
    """A mapping of scalars (env, with, outputs); non-scalar values are skipped."""
    if not isinstance(node, Mapping):
        return {}
    return {k.value: v for k, v in node.items if isinstance(v, Scalar)}
