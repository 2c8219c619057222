"""Load a root ``.gitlab-ci.yml`` and its local includes into a :class:`Pipeline`.

GitLab's own order is followed: each file's includes are merged first (in order) and
the file's own keys override them (hashes deep-merged, everything else replaced);
YAML merge keys (``<<``) are applied per file, ``extends`` is resolved up to
:data:`MAX_EXTENDS` levels, jobs take the ``default:`` keywords they do not set, and
``!reference [a, b]`` tags are replaced by what they point at. Only ``include: local``
is read (never fetched); the other include kinds are recorded for the rules to judge.
Nothing here runs anything from the scanned repository.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import field
from pathlib import Path, PurePosixPath

from shipwarden.ci.gitlab.model import Include, Job, Pipeline, table, variable_map
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.ci.yamlspan import (
    Mapping,
    Node,
    Scalar,
    Sequence,
    SourceText,
    YamlError,
    decode,
    load_documents,
    read_inside,
)
from shipwarden.core.findings import ScanError
from shipwarden.core.structs import struct

#: GitLab's own limit on included files per pipeline.
MAX_INCLUDES = 150
#: GitLab's limits: ``extends`` 11 levels, ``!reference`` 10 levels.
MAX_EXTENDS = 11
MAX_REFERENCE_DEPTH = 10
#: Files a glob in ``include: local`` may list before we stop looking.
MAX_GLOB_FILES = 500
#: Jobs in one pipeline we analyse.
MAX_JOBS = 5_000


@struct
class GitLabLoad:
    pipeline: Pipeline | None
    errors: list[ScanError] = field(default_factory=list)
    files: int = 0


def _error(path: str, exc: Exception) -> ScanError:
    if isinstance(exc, YamlError):
        where = f" (line {exc.line})" if exc.line else ""
        return ScanError(path, f"{exc}{where}", exc.kind, exc.line)
    if isinstance(exc, OSError):
        return ScanError(path, f"cannot read: {exc.strerror or exc}", "io")
    return ScanError(path, f"{type(exc).__name__}: {exc}", "internal")


class _Loader:
    def __init__(self, root: Path, root_file: str) -> None:
        self.root = root
        self.errors: list[ScanError] = []
        self.files = 0
        self.unresolved: set[str] = set()
        self.docs: dict[str, Mapping | None] = {}
        self.pipeline = Pipeline(root=SourceFile(root_file, SourceText("")))

    # ------------------------------------------------------------- files

    def read(self, rel: str) -> Mapping | None:
        """Parse one file (once); register the origin of every node."""
        if rel in self.docs:
            return self.docs[rel]
        self.docs[rel] = None
        self.files += 1
        try:
            text = decode(read_inside(self.root, rel), rel)
            docs = load_documents(text, duplicates="last")
        except (YamlError, OSError, ValueError) as exc:
            self.errors.append(_error(rel, exc))
            return None
        source = SourceFile(rel, SourceText(text))
        self.pipeline.files[rel] = source
        if rel == self.pipeline.root.path:
            self.pipeline.root = source
        # a component or template puts its ``spec:`` header in a document of its own
        body = [d for d in docs if not (isinstance(d, Mapping) and d.keys() == ["spec"])]
        doc = body[0] if body else None
        if doc is None:
            return None
        if not isinstance(doc, Mapping):
            self.errors.append(ScanError(rel, "the file is not a mapping of keywords and jobs", "model"))
            return None
        self._register(doc, source)
        doc = self._merge_keys(doc, source)
        assert isinstance(doc, Mapping)
        self.docs[rel] = doc
        return doc

    def _register(self, node: Node, source: SourceFile) -> None:
        stack = [node]
        origins = self.pipeline.origins
        while stack:
            n = stack.pop()
            origins[id(n)] = source
            if isinstance(n, Mapping):
                for k, v in n.items:
                    origins[id(k)] = source
                    stack.append(v)
            elif isinstance(n, Sequence):
                stack.extend(n.items)

    def _merge_keys(self, node: Node, source: SourceFile) -> Node:
        """Apply YAML ``<<`` merge keys (explicit keys win), everywhere below ``node``."""
        if isinstance(node, Sequence):
            node.items = [self._merge_keys(item, source) for item in node.items]
            return node
        if not isinstance(node, Mapping):
            return node
        merged: list[tuple[Scalar, Node]] = []
        own = [(k, self._merge_keys(v, source)) for k, v in node.items if k.value != "<<"]
        names = {k.value for k, _ in own}
        for k, v in node.items:
            if k.value != "<<":
                continue
            parents = v.items if isinstance(v, Sequence) else [v]
            for parent in parents:
                parent = self._merge_keys(parent, source)
                if isinstance(parent, Mapping):
                    for pk, pv in parent.items:
                        if pk.value not in names:
                            names.add(pk.value)
                            merged.append((pk, pv))
        node.items = merged + own
        return node

    # ------------------------------------------------------------- includes

    def includes_of(self, rel: str, doc: Mapping) -> list[Include]:
        source = self.pipeline.files[rel]
        node = doc.get("include")
        items = node.items if isinstance(node, Sequence) else ([node] if node is not None else [])
        out: list[Include] = []
        for item in items:
            if isinstance(item, Scalar):
                kind = "remote" if item.value.startswith(("http://", "https://")) else "local"
                out.append(Include(kind, item.value, item, source))
            elif isinstance(item, Mapping):
                out.extend(_include_entry(item, source))
        return out

    def local_targets(self, inc: Include) -> list[str]:
        pattern = inc.target.strip().lstrip("/")
        if not pattern or "$" in pattern:
            return []
        if not any(ch in pattern for ch in "*?["):
            return [pattern]
        found: list[str] = []
        base = PurePosixPath(pattern.split("*", 1)[0]).parent.as_posix().strip(".")
        start = self.root / base if base else self.root
        for dirpath, dirnames, filenames in os.walk(start, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".git") or d == ".gitlab")
            for name in sorted(filenames):
                rel = Path(dirpath, name).relative_to(self.root).as_posix()
                if fnmatch.fnmatchcase(rel, pattern) and rel.endswith((".yml", ".yaml")):
                    found.append(rel)
                    if len(found) >= MAX_GLOB_FILES:
                        return found
        return found

    def compose(self, rel: str, seen: tuple[str, ...] = ()) -> dict[str, Node]:
        """The merged top-level configuration of one file and what it includes."""
        doc = self.read(rel)
        if doc is None:
            return {}
        merged: dict[str, Node] = {}
        for inc in self.includes_of(rel, doc):
            self.pipeline.includes.append(inc)
            if inc.kind != "local":
                continue
            for target in self.local_targets(inc):
                if target in seen or target == rel:
                    continue
                if len(self.docs) >= MAX_INCLUDES:
                    self.errors.append(
                        ScanError(rel, f"more than {MAX_INCLUDES} included files; the rest is not read", "limit")
                    )
                    break
                if not (self.root / target).is_file():
                    self.errors.append(ScanError(rel, f"included file {target} is not in the repository", "include"))
                    continue
                for key, value in self.compose(target, (*seen, rel)).items():
                    merged[key] = self.deep_merge(merged.get(key), value)
        for name, own in doc.items:
            if name.value != "include":
                merged[name.value] = self.deep_merge(merged.get(name.value), own)
        return merged

    # ------------------------------------------------------------- merging

    def deep_merge(self, base: Node | None, over: Node) -> Node:
        """GitLab's merge: hashes merge key by key, anything else is replaced."""
        if not isinstance(base, Mapping) or not isinstance(over, Mapping):
            return over
        items: list[tuple[Scalar, Node]] = []
        over_keys = {k.value: (k, v) for k, v in over.items}
        for k, v in base.items:
            if k.value in over_keys:
                ok, ov = over_keys.pop(k.value)
                items.append((ok, self.deep_merge(v, ov)))
            else:
                items.append((k, v))
        items.extend(over_keys.values())
        out = Mapping(over.start, over.end, items)
        self.pipeline.origins[id(out)] = self.pipeline.file_of(over)
        return out

    def extended(self, top: dict[str, Node], name: str, depth: int = 0, chain: tuple[str, ...] = ()) -> Mapping | None:
        node = top.get(name)
        if not isinstance(node, Mapping):
            return None
        ext = node.get("extends")
        parents = [ext.value] if isinstance(ext, Scalar) else [
            i.value for i in (ext.items if isinstance(ext, Sequence) else []) if isinstance(i, Scalar)
        ]
        if not parents:
            return node
        if depth >= MAX_EXTENDS or name in chain:
            return node
        base: Node | None = None
        for parent in parents:
            resolved = self.extended(top, parent, depth + 1, (*chain, name))
            if resolved is not None:
                base = self.deep_merge(base, resolved)
        own = Mapping(node.start, node.end, [(k, v) for k, v in node.items if k.value != "extends"])
        self.pipeline.origins[id(own)] = self.pipeline.file_of(node)
        return self.deep_merge(base, own) if base is not None else own  # type: ignore[return-value]

    def dereference(self, node: Node, top: dict[str, Node], depth: int = 0) -> Node:
        """Replace every ``!reference [job, key, …]`` below ``node`` by its target."""
        if isinstance(node, Sequence):
            if node.tag == "!reference":
                if depth >= MAX_REFERENCE_DEPTH:
                    return Sequence(node.start, node.end, [])
                path = [i.value for i in node.items if isinstance(i, Scalar)]
                target: Node | None = self.extended(top, path[0]) if path else None
                for part in path[1:]:
                    target = target.get(part) if isinstance(target, Mapping) else None
                if target is None:
                    # usually defined in a project, template or component include (not fetched)
                    self.unresolved.add(path[0] if path else "")
                    return Sequence(node.start, node.end, [])
                return self.dereference(target, top, depth + 1)
            node.items = [self.dereference(i, top, depth) for i in node.items]
            return node
        if isinstance(node, Mapping) and any(isinstance(v, (Sequence, Mapping)) for _, v in node.items):
            items = [(k, self.dereference(v, top, depth)) for k, v in node.items]
            out = Mapping(node.start, node.end, items)
            self.pipeline.origins[id(out)] = self.pipeline.file_of(node)
            return out
        return node

    # ------------------------------------------------------------- jobs

    def build(self) -> Pipeline:
        pipeline = self.pipeline
        top = self.compose(pipeline.root.path)
        pipeline.top = top
        reserved = set(table()["keywords"]["reserved"])
        inherited = list(table()["keywords"]["inherited"])
        default = top.get("default")
        defaults: dict[str, Node] = {}
        for kw in inherited:  # deprecated global forms first, `default:` wins
            if kw in top and kw in reserved:
                defaults[kw] = top[kw]
        if isinstance(default, Mapping):
            defaults.update({k.value: v for k, v in default.items})
        pipeline.variables = variable_map(top.get("variables"))
        workflow = top.get("workflow")
        pipeline.workflow = workflow if isinstance(workflow, Mapping) else None
        keys = {k.value: k for k, _ in self._top_keys()}
        for name, node in top.items():
            if name in reserved or name.startswith(".") or not isinstance(node, Mapping):
                continue
            if len(pipeline.jobs) >= MAX_JOBS:
                self.errors.append(ScanError(pipeline.path, f"more than {MAX_JOBS} jobs; the rest is not analysed", "limit"))
                break
            resolved = self.extended(top, name) or node
            config = {k.value: v for k, v in resolved.items}
            if "script" not in config and "trigger" not in config and "run" not in config:
                continue  # not a job GitLab would run
            for kw, value in defaults.items():
                if kw not in config and _inherits(config.get("inherit"), kw):
                    config[kw] = value
            config = {k: self.dereference(v, top) for k, v in config.items()}
            key = keys.get(name) or Scalar(node.start, node.start, name)
            pipeline.jobs.append(Job(name, key, pipeline.file_of(key, pipeline.file_of(node)), config, pipeline))
        return pipeline

    def _top_keys(self) -> list[tuple[Scalar, Node]]:
        out: list[tuple[Scalar, Node]] = []
        for doc in self.docs.values():
            if doc is not None:
                out.extend(doc.items)
        return out


def _inherits(inherit: Node | None, keyword: str) -> bool:
    if not isinstance(inherit, Mapping):
        return True
    flag = inherit.get("default")
    if isinstance(flag, Scalar):
        return flag.value != "false"
    if isinstance(flag, Sequence):
        return any(isinstance(i, Scalar) and i.value == keyword for i in flag.items)
    return True


def _include_entry(item: Mapping, source: SourceFile) -> list[Include]:
    def text(key: str) -> str | None:
        v = item.get(key)
        return v.value if isinstance(v, Scalar) else None

    if (local := item.get("local")) is not None and isinstance(local, Scalar):
        return [Include("local", local.value, item, source)]
    if (remote := text("remote")) is not None:
        integrity = text("integrity")
        return [Include("remote", remote, item, source, integrity=integrity)]
    if (template := text("template")) is not None:
        return [Include("template", template, item, source)]
    if (component := text("component")) is not None:
        name, _, version = component.rpartition("@")
        return [Include("component", name or component, item, source, ref=version if name else None)]
    if (project := text("project")) is not None:
        ref = text("ref")
        files = item.get("file")
        names = [f.value for f in (files.items if isinstance(files, Sequence) else [files]) if isinstance(f, Scalar)]
        return [Include("project", f"{project}:{n}", item, source, ref=ref) for n in names or [""]]
    return []


#: child pipelines nest this deep at most (GitLab allows two levels below the parent)
MAX_CHILD_DEPTH = 2


def child_files(job: Job) -> list[str]:
    """Local files a trigger job starts as a child pipeline (``trigger: include:``)."""
    trigger = job.get("trigger")
    if not isinstance(trigger, Mapping):
        return []
    inc = trigger.get("include")
    items = inc.items if isinstance(inc, Sequence) else [inc] if inc is not None else []
    out: list[str] = []
    for item in items:
        if isinstance(item, Scalar) and not item.value.startswith(("http://", "https://")):
            out.append(item.value.lstrip("/"))
        elif isinstance(item, Mapping):
            local = item.get("local")
            if isinstance(local, Scalar):
                out.append(local.value.lstrip("/"))
    return [f for f in out if "$" not in f and "*" not in f]


def load_pipeline(root: Path, rel: str) -> GitLabLoad:
    """Load one root file and its local child pipelines (each child file once); errors in
    included files are reported and skipped."""
    loader = _Loader(root, rel)
    pipeline = loader.build()
    _unresolved(loader, pipeline, rel)
    if rel not in pipeline.files:
        return GitLabLoad(None, loader.errors, loader.files)
    errors, files = list(loader.errors), loader.files
    children: dict[str, Pipeline] = {}
    level = [pipeline]
    for _ in range(MAX_CHILD_DEPTH):
        following: list[Pipeline] = []
        for parent in level:
            for job in parent.jobs:
                for child in child_files(job):
                    if child in children:
                        if job not in children[child].parent_jobs:
                            children[child].parent_jobs.append(job)
                        continue
                    if child == rel or not (root / child).is_file():
                        continue
                    sub = _Loader(root, child)
                    built = sub.build()
                    _unresolved(sub, built, child)
                    errors.extend(sub.errors)
                    files += sub.files
                    if child in built.files:
                        built.parent_jobs.append(job)
                        children[child] = built
                        parent.children.append(built)
                        following.append(built)
        level = following
    return GitLabLoad(pipeline, errors, files)


def _unresolved(loader: _Loader, pipeline: Pipeline, rel: str) -> None:
    if loader.unresolved and not any(i.kind != "local" for i in pipeline.includes):
        names = ", ".join(sorted(loader.unresolved)[:5])
        loader.errors.append(ScanError(rel, f"!reference to keys defined nowhere in the local files: {names}", "reference"))
