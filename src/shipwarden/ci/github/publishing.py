"""Publish analysis shared by the row-3 and row-5 rules: which steps of a job
publish to which registry, and with which long-lived credentials.

The shell analyser recognises publish *commands*; many release jobs publish
through a project script (``pnpm release``, ``scripts/publish``) and give
themselves away by the credential they are handed instead, so both are read
here. Used by ``long-lived-publish-token``, ``publish-without-environment``,
``publish-untrusted-trigger`` and ``oidc-overscoped``.
"""

from __future__ import annotations

import re
from dataclasses import field, replace

from shipwarden.ci.github import expressions as ex
from shipwarden.ci.github.facts import job_facts
from shipwarden.ci.github.knowledge import ActionInfo, step_info
from shipwarden.ci.github.model import Job, Mapping, Repository, Scalar, Step, Workflow
from shipwarden.ci.github.records import Publish
from shipwarden.ci.github.steps import code_text
from shipwarden.ci.shell import EventKind, analyze
from shipwarden.ci.sourcefile import SourceFile
from shipwarden.core.findings import Location
from shipwarden.core.identity import per_object
from shipwarden.core.patterns import LazyPattern
from shipwarden.core.structs import struct

#: Registries that accept a short-lived OIDC credential from GitHub Actions
#: (trusted publishing): npm, PyPI (and TestPyPI), crates.io, RubyGems.org.
TRUSTED_PUBLISHING = frozenset({"npm", "pypi", "crates", "rubygems"})

#: Publish targets that are not package registries for the row-5 rules:
#: container registries, GitHub releases, preview-package services, devpi.
NOT_PACKAGE = frozenset({"", "oci", "container", "github", "github-release", "pkg-pr-new", "devpi"})

REGISTRY_NAMES = {"npm": "npm", "pypi": "PyPI", "crates": "crates.io", "rubygems": "RubyGems.org"}

#: Environment variables that hand a registry credential to a client, by registry.
#: The flag says the variable is only ever used to upload, so a step holding it
#: publishes even when its command is a project script; ``False`` variables are
#: also used to install private packages.
CREDENTIAL_ENV: dict[str, tuple[str, bool]] = {
    "NODE_AUTH_TOKEN": ("npm", False),
    "NPM_TOKEN": ("npm", False),
    "NPM_AUTH_TOKEN": ("npm", False),
    "NPM_PUBLISH_TOKEN": ("npm", True),
    "NPM_CONFIG_TOKEN": ("npm", False),
    "NPM_CONFIG__AUTHTOKEN": ("npm", False),
    "NPM_CONFIG__AUTH": ("npm", False),
    "YARN_NPM_AUTH_TOKEN": ("npm", False),
    "TWINE_PASSWORD": ("pypi", True),
    "PYPI_TOKEN": ("pypi", False),
    "PYPI_API_TOKEN": ("pypi", False),
    "PYPI_PASSWORD": ("pypi", False),
    "UV_PUBLISH_TOKEN": ("pypi", True),
    "UV_PUBLISH_PASSWORD": ("pypi", True),
    "FLIT_PASSWORD": ("pypi", True),
    "HATCH_INDEX_AUTH": ("pypi", True),
    "PDM_PUBLISH_PASSWORD": ("pypi", True),
    "MATURIN_PYPI_TOKEN": ("pypi", True),
    "MATURIN_PASSWORD": ("pypi", True),
    "POETRY_HTTP_BASIC_PYPI_PASSWORD": ("pypi", True),
    "CARGO_REGISTRY_TOKEN": ("crates", True),
    "CARGO_REGISTRIES_CRATES_IO_TOKEN": ("crates", True),
    "GEM_HOST_API_KEY": ("rubygems", True),
    "RUBYGEMS_API_KEY": ("rubygems", False),
    "RUBYGEMS_AUTH_TOKEN": ("rubygems", False),
}
CREDENTIAL_ENV_PATTERNS: tuple[tuple[LazyPattern, str, bool], ...] = (
    (LazyPattern(r"^POETRY_PYPI_TOKEN_\w+$"), "pypi", True),
    (LazyPattern(r"^NPM_CONFIG_//.*:_AUTHTOKEN$"), "npm", False),
    # an alternative registry configured in .cargo/config.toml: no trusted publishing there
    (LazyPattern(r"^CARGO_REGISTRIES_\w+_TOKEN$"), "crates-alt", True),
)

#: A secret's own name says which registry it unlocks.
SECRET_HINTS: tuple[tuple[LazyPattern, str], ...] = (
    (LazyPattern(r"NPM|NODE_AUTH", re.I), "npm"),
    (LazyPattern(r"PYPI|TWINE", re.I), "pypi"),
    (LazyPattern(r"CARGO|CRATES", re.I), "crates"),
    (LazyPattern(r"RUBYGEMS|GEM_HOST", re.I), "rubygems"),
)

#: Registry URLs that are not the public registry (no trusted publishing there):
#: GitHub Packages, self-hosted and SaaS private registries, URLs kept in secrets.
PRIVATE_HOST = LazyPattern(
    r"pkg\.github\.com|jfrog|artifactory|nexus|gitlab|pkgs\.dev\.azure\.com|visualstudio\.com|codeartifact"
    r"|cloudsmith|gemfury|fury\.io|verdaccio|localhost|127\.0\.0\.1|devpi",
    re.I,
)
#: ... and, in a value that is only a URL, one kept in a secret or variable.
PRIVATE_REGISTRY = LazyPattern(PRIVATE_HOST.pattern + r"|\$\{\{\s*(?:secrets|vars)\.", re.I)
#: A test index (TestPyPI) in a URL, a repository name or a secret's name.
TEST_INDEX = LazyPattern(r"(?:^|[^a-z])test(?:[^a-z]|pypi|$)", re.I)

#: Publishing actions missing from the knowledge base (see the report to the lead):
#: name -> (registry, inputs that carry a long-lived token instead of OIDC).
EXTRA_PUBLISH_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rubygems/release-gem": ("rubygems", ()),
}

SECRET_RE = LazyPattern(r"""\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*['"]([^'"]+)['"]\s*\])""")

#: Shell lines that store a registry credential in a config file for later steps:
#: (pattern, registry, description, the secret's name must carry the registry's hint).
CONFIG_WRITES: tuple[tuple[LazyPattern, str, str, bool], ...] = (
    (LazyPattern(r"_authToken|npmAuthToken", re.I), "npm", "an .npmrc `_authToken`", False),
    (LazyPattern(r"pypi-token\.|\.pypirc", re.I), "pypi", "a PyPI credentials file", False),
    (LazyPattern(r"\bpassword\s*[:=]", re.I), "pypi", "a PyPI credentials file", True),
    (LazyPattern(r"\bcargo\s+login\b|credentials\.toml", re.I), "crates", "`cargo login`", False),
    (LazyPattern(r"rubygems_api_key|\.gem/credentials", re.I), "rubygems", "the RubyGems credentials file", False),
)

#: Wording of a step that publishes through a project script.
PUBLISH_WORDS = LazyPattern(
    r"(?<![\w.$\{-])[\w:.-]*publish[\w:.-]*|\bsemantic-release\b|\brelease-it\b"
    # `changeset status|version|add`, the `.changeset/` folder: no publish (withastro/astro@99d3d3dbbfa4)
    r"|(?<![./])\bchangeset\b(?!\s+(?:status|version|add|pre|init)\b)"
    r"|\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?(?!-)[\w:.-]*release[\w:.-]*",
    re.I,
)
#: Wording that only looks like a publish. ``npm dist-tag`` moves a tag with the
#: token but cannot use trusted publishing, so it is not counted as a publish;
#: ``pkg-pr-new publish`` uploads a preview build to pkg.pr.new, no registry
#: (honojs/hono@28a9c128912d, cr.yml).
NOT_PUBLISH = LazyPattern(r"publishToMavenLocal|--dry-run|\bnpm\s+pack\b|\bdist-tag\b|\bpkg-pr-new\b", re.I)

URL_ENV = ("TWINE_REPOSITORY_URL", "TWINE_REPOSITORY", "UV_PUBLISH_URL", "NPM_CONFIG_REGISTRY", "YARN_REGISTRY",
           "POETRY_REPOSITORIES_PYPI_URL", "FLIT_INDEX_URL", "HATCH_INDEX_REPO", "PDM_PUBLISH_REPO")
URL_INPUTS = ("repository-url", "repository_url", "registry", "registry-url", "repository", "index-url")


# --------------------------------------------------------------------------- model


@struct(frozen=True, eq=False)
class Credential:
    """A long-lived secret handed to a registry client."""

    secret: str
    registry: str  # npm, pypi, crates, rubygems, crates-alt
    via: str  # NODE_AUTH_TOKEN, `password` input, an .npmrc `_authToken`, ...
    location: Location
    #: the step it is bound to (``None``: job or workflow env, seen by every step)
    step: Step | None
    #: the variable or input is only ever used to upload
    publish_only: bool = False
    test_index: bool = False


@struct(eq=False)
class PublishSite:
    """One publish of a job: where, to which registry, with which long-lived credentials."""

    job: Job
    step: Step
    registry: str
    tool: str
    location: Location
    credentials: list[Credential] = field(default_factory=list)
    #: recognised from its credential and wording, not from a known publish command
    inferred: bool = False
    #: the target is not the public registry (GitHub Packages, Artifactory, ...)
    private: bool = False
    #: the target is a test index (TestPyPI) or every credential is a test-index one
    test_index: bool = False
    #: the registry URL comes from an expression (``registry-url: ${{ vars.X }}``): a
    #: package publish with its stored token, but not one trusted publishing is known to cover
    unknown_registry: bool = False

    @property
    def package(self) -> bool:
        """A package-registry publish (not a container, GitHub release or private index)."""
        return self.registry not in NOT_PACKAGE and not self.private

    @property
    def trusted_capable(self) -> bool:
        return self.registry in TRUSTED_PUBLISHING and not self.private and not self.unknown_registry

    @property
    def name(self) -> str:
        name = REGISTRY_NAMES.get(self.registry, self.registry)
        if self.test_index:
            return "TestPyPI" if self.registry == "pypi" else f"a test index of {name}"
        return name


# --------------------------------------------------------------------------- helpers


def secrets_in(text: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each ``secrets.X`` inside a ``${{ }}`` of ``text``; GITHUB_TOKEN excluded.

    ``start``/``end`` delimit the whole ``${{ … }}``.
    """
    out: list[tuple[str, int, int]] = []
    if "secrets" not in text:
        return out
    for site in ex.find_expressions(text):
        if not site.terminated:
            continue
        for m in SECRET_RE.finditer(site.text):
            name = m.group(1) or m.group(2)
            if name.upper() != "GITHUB_TOKEN":
                out.append((name, site.start, site.end))
    return out


def _env_registry(key: str) -> tuple[str, bool] | None:
    upper = key.upper()
    if upper in CREDENTIAL_ENV:
        return CREDENTIAL_ENV[upper]
    for pattern, registry, only in CREDENTIAL_ENV_PATTERNS:
        if pattern.match(upper):
            return registry, only
    return None


def _hint(secret: str) -> str:
    for pattern, registry in SECRET_HINTS:
        if pattern.search(secret):
            return registry
    return ""


def _pairs(node: object) -> list[tuple[Scalar, Scalar]]:
    if not isinstance(node, Mapping):
        return []
    return [(k, v) for k, v in node.items if isinstance(v, Scalar)]


def _test(name: str) -> bool:
    return bool(TEST_INDEX.search(name))


def _env_credentials(file: SourceFile, mapping: object, step: Step | None) -> list[Credential]:
    """Registry credentials bound in an ``env:`` block (by variable name or by the secret's name)."""
    out: list[Credential] = []
    for key, value in _pairs(mapping):
        found = secrets_in(value.value)
        if not found:
            continue
        known = _env_registry(key.value)
        for name, _s, _e in found:
            if known is not None:
                registry, only = known
            else:
                registry, only = _hint(name), False
                if not registry:
                    continue
            loc = file.span(key.start, value.end, f"long-lived secret `{name}` bound to {key.value}")
            out.append(Credential(name, registry, key.value, loc, step, only, _test(name)))
    return out


def _with_credentials(step: Step, registry: str, inputs: tuple[str, ...]) -> list[Credential]:
    out: list[Credential] = []
    for key, value in _pairs(step.node.get("with")):
        if key.value not in inputs:
            continue
        for name, _s, _e in secrets_in(value.value):
            loc = step.file.span(key.start, value.end, f"long-lived secret `{name}` passed as `{key.value}`")
            out.append(Credential(name, registry, f"the `{key.value}` input", loc, step, True, _test(name)))
    return out


def _secret_vars(*mappings: object) -> dict[str, str]:
    """Environment variable -> the secret it holds, for ``$VAR`` references in scripts."""
    out: dict[str, str] = {}
    for mapping in mappings:
        for key, value in _pairs(mapping):
            found = secrets_in(value.value)
            if found:
                out[key.value] = found[0][0]
    return out


ASSIGNMENT = LazyPattern(r"(?:^|[\s;&|])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")


def _script_credentials(step: Step, env_vars: dict[str, str]) -> list[Credential]:
    """Credentials a run script stores for its later commands or later steps.

    ``export TWINE_PASSWORD=${{ secrets.X }}``, an ``.npmrc`` ``_authToken`` line,
    ``cargo login``, ``poetry config pypi-token.pypi``, the RubyGems credentials file.
    """
    assert step.run is not None
    script = step.run.value
    out: list[Credential] = []
    env_vars = {var: secret for var, secret in env_vars.items() if var in script}
    if "secrets" not in script and not env_vars:
        return out
    offset = 0
    for line in script.splitlines(keepends=True):
        start = offset
        offset += len(line)
        if "secrets" not in line and not any(var in line for var in env_vars):
            continue
        for m in ASSIGNMENT.finditer(line):
            known = _env_registry(m.group(1))
            if known is None:
                continue
            for name, s, e in secrets_in(line[m.end():]):
                loc = step.file.value_location(step.run, start + m.end() + s, start + m.end() + e,
                                               f"long-lived secret `{name}` assigned to {m.group(1)}")
                out.append(Credential(name, known[0], m.group(1), loc, step, known[1], _test(name)))
        for pattern, registry, via, need_hint in CONFIG_WRITES:
            if not pattern.search(line):
                continue
            if PRIVATE_HOST.search(line):
                break
            found = list(secrets_in(line))
            for var, secret in env_vars.items():
                used = re.search(r"\$\{?" + re.escape(var) + r"(?![\w])", line)
                if used:
                    found.append((secret, used.start(), used.end()))
            for name, s, e in found:
                if need_hint and _hint(name) != registry:
                    continue
                loc = step.file.value_location(step.run, start + s, start + e, f"long-lived secret `{name}` stored in {via}")
                out.append(Credential(name, registry, via, loc, step, False, _test(name)))
            break
    return out


def _inline_credentials(step: Step, registry: str, start: int, end: int) -> list[Credential]:
    """Secrets written into the publish command itself (``twine upload -p ${{ secrets.X }}``)."""
    assert step.run is not None
    out = []
    for name, s, e in secrets_in(step.run.value[start:end]):
        loc = step.file.value_location(step.run, start + s, start + e, f"long-lived secret `{name}` on the command line")
        out.append(Credential(name, registry, "a command-line argument", loc, step, True, _test(name)))
    return out


def dedupe_credentials(creds: list[Credential]) -> list[Credential]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for c in creds:
        key = (c.secret.lower(), c.location.path, c.location.line, c.location.column)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _dry_run(step: Step, p: Publish) -> bool:
    if step.run is None or p.start < 0:
        return False
    text = step.run.value[p.start : p.end]
    for ev in analyze(step.run.value, step.shell).events:
        if ev.kind is EventKind.PUBLISH and ev.start == p.start and ev.end == p.end and ev.flags & {"dry-run", "snapshot"}:
            return True
    return bool(NOT_PUBLISH.search(text))


# --------------------------------------------------------------------------- publish sites


def publish_sites(job: Job) -> list[PublishSite]:
    """Every publish of a job with its registry and long-lived credentials (computed once per job)."""
    return _sites_of(job)


def _build(job: Job) -> list[PublishSite]:
    if job.uses is not None:
        return []
    facts = job_facts(job)
    wf = job.workflow
    wide = _env_credentials(wf.file, wf.root.get("env"), None) + _env_credentials(wf.file, job.node.get("env"), None)
    wide_vars = _secret_vars(wf.root.get("env"), job.node.get("env"))
    stored: list[Credential] = []  # written to config files by earlier steps
    npm_private = False
    npm_unknown = False
    by_step: dict[int, list[Publish]] = {}
    for p in facts.publishes:
        by_step.setdefault(id(p.step), []).append(p)
    sites: list[PublishSite] = []
    for step in facts.steps:
        info = step_info(step)
        env_nodes = [step.node.get("env")] + ([step.via.node.get("env")] if step.via is not None else [])
        own = _env_credentials(step.file, env_nodes[0], step)
        if step.via is not None:
            own += _env_credentials(step.via.file, env_nodes[1], step)
        if step.uses is not None and step.uses.action == "actions/setup-node":
            url = step.with_.get("registry-url")
            if url is not None:
                # a URL from an expression names no known private host: an unknown registry
                # is still a publish with the stored token (not one trusted publishing covers)
                npm_private = bool(PRIVATE_HOST.search(url.value))
                npm_unknown = not npm_private and "${{" in url.value
        if step.run is not None:
            stored += _script_credentials(step, {**wide_vars, **_secret_vars(*env_nodes)})
        env_urls = " ".join(v.value for k, v in step.env.items() if k.upper() in URL_ENV)
        visible = wide + own + stored
        recognised = False
        for p in by_step.get(id(step), []):
            if _dry_run(step, p):
                continue
            recognised = True
            site = _site(job, step, p, info, visible, env_urls, npm_private)
            if site.registry == "npm" and npm_unknown and not site.private:
                site.unknown_registry = True
            sites.append(site)
        if recognised:
            continue
        if step.uses is not None and step.uses.kind == "repo" and step.uses.action in EXTRA_PUBLISH_ACTIONS:
            registry, inputs = EXTRA_PUBLISH_ACTIONS[step.uses.action]
            creds = dedupe_credentials(_with_credentials(step, registry, inputs) + [c for c in visible if c.registry == registry])
            sites.append(PublishSite(job, step, registry, step.uses.action,
                                     step.location(f"publishes to {REGISTRY_NAMES[registry]}"), creds))
            continue
        inferred = _inferred(job, step, own, wide + stored, npm_private)
        if inferred is not None:
            sites.append(inferred)
    return sites


_sites_of = per_object(_build)


def _site(job: Job, step: Step, p: Publish, info: ActionInfo | None, visible: list[Credential],
          env_urls: str, npm_private: bool) -> PublishSite:
    registry = "devpi" if p.tool.startswith("devpi") else p.registry
    creds: list[Credential] = []
    if step.uses is not None:
        if info is not None:
            creds += _with_credentials(step, registry, info.token_inputs)
        urls = " ".join(v.value for k, v in step.with_.items() if k in URL_INPUTS)
        private = bool(PRIVATE_REGISTRY.search(urls))
        test = bool(TEST_INDEX.search(urls))
    else:
        text = step.run.value[p.start : p.end] if step.run is not None and p.start >= 0 else ""
        creds += _inline_credentials(step, registry, p.start, p.end) if p.start >= 0 else []
        private = bool(PRIVATE_HOST.search(text) or PRIVATE_REGISTRY.search(env_urls))
        test = bool(re.search(r"(?:-r|--repository|--repository-url|--index|--publish-url)[= ]\S*test", text, re.I)
                    or TEST_INDEX.search(env_urls))
        if registry == "npm" and npm_private and "--registry" not in text:
            private = True
    creds += [c for c in visible if c.registry == registry]
    creds = dedupe_credentials(creds)
    if creds and all(c.test_index for c in creds):
        test = True
    loc = replace(p.location(), label=f"publishes to {REGISTRY_NAMES.get(registry, registry)}")
    return PublishSite(job, step, registry, p.tool, loc, creds, False, private, test)


def _inferred(job: Job, step: Step, own: list[Credential], wide: list[Credential], npm_private: bool) -> PublishSite | None:
    """A step that publishes through a project script, recognised from the credential it is handed."""
    if step.uses is not None:
        if step.uses.kind != "repo":
            return None
        info = step_info(step)
        if info is not None and "publish" not in info.does:
            return None  # a known action that does something else with the variable
    candidates = [c for c in own + wide if c.registry in TRUSTED_PUBLISHING]
    if not candidates:
        return None
    text = step.uses.raw if step.uses is not None else code_text(step)
    wording = bool(PUBLISH_WORDS.search(text)) and not NOT_PUBLISH.search(text)
    chosen = [
        c for c in candidates if wording or (c.step is step and c.publish_only)
    ]
    if not chosen:
        return None
    registry = chosen[0].registry
    chosen = dedupe_credentials([c for c in chosen if c.registry == registry])
    private = (registry == "npm" and npm_private) or bool(step.run is not None and PRIVATE_HOST.search(step.run.value))
    loc = step.location(f"publishes to {REGISTRY_NAMES[registry]} (judged from the credential it is given)")
    return PublishSite(job, step, registry, "a release script", loc, chosen, True, private,
                       all(c.test_index for c in chosen))


def local_target(job: Job) -> str | None:
    """Path of the local reusable workflow a job calls (``uses: ./.github/workflows/x.yml``)."""
    if job.uses is None or job.uses.kind != "local":
        return None
    target = job.uses.subpath.split("@")[0]
    while target.startswith("./"):
        target = target[2:]
    return target


def callers(repo: Repository, wf: Workflow) -> list[Job]:
    """Jobs of the repository that call ``wf`` as a reusable workflow."""
    return [job for w in repo.workflows for job in w.jobs if local_target(job) == wf.path]


def package_sites(job: Job) -> list[PublishSite]:
    return [s for s in publish_sites(job) if s.package]


# --------------------------------------------------------------------------- rule
