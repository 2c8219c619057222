"""The rule catalogue is explicit and side-effect free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shipwarden.core.catalogue import COMMANDS, RULE_MODULES, RuleMeta, all_rules, get_rule, rule_checks

DOCS = Path(__file__).parents[2] / "docs" / "rules"


def test_every_rule_has_a_page_and_every_page_a_rule() -> None:
    ids = set(all_rules())
    pages = {p.stem for p in DOCS.glob("*.md")}
    assert sorted(ids - pages) == [], "rules without docs/rules/<id>.md"
    assert sorted(pages - ids) == [], "doc pages without a rule in the catalogue"


def test_rules_name_a_known_command_and_the_catalogue_lists_every_command() -> None:
    rules = all_rules()
    assert {m.command for m in rules.values()} <= COMMANDS
    listed = {command for command, _ in RULE_MODULES}
    assert {m.command for m in rules.values()} <= listed | {"paths"}
    for meta in rules.values():
        assert isinstance(meta, RuleMeta) and meta.row in range(1, 8) and meta.title


def test_every_marked_check_is_a_catalogue_rule() -> None:
    rules = all_rules()
    for package in ("shipwarden.ci.github.rules", "shipwarden.ci.gitlab.rules", "shipwarden.ci.jenkins.rules"):
        checks = rule_checks(package)
        assert checks, package
        for meta, _check in checks:
            assert rules[meta.id] == meta


def test_importing_the_catalogue_imports_no_analysis() -> None:
    code = (
        "import sys, shipwarden.core.catalogue\n"
        "bad = sorted(m for m in sys.modules if m.startswith('shipwarden.') and not m.startswith('shipwarden.core'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_importing_a_rule_module_registers_nothing() -> None:
    code = (
        "import shipwarden.core.catalogue as c, shipwarden.deps.rules, shipwarden.ci.github.rules.pwn_request\n"
        "print(sorted(k for k, v in vars(c).items() if not k.startswith('__') and isinstance(v, (dict, list)) and v))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_get_rule_is_the_catalogue() -> None:
    for rule_id, meta in all_rules().items():
        assert get_rule(rule_id) is meta
    try:
        get_rule("no-such-rule")
    except KeyError:
        pass
    else:
        raise AssertionError("an undeclared id must raise KeyError")
