"""Configuration files, precedence, errors, rule selection and exclude globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipwarden.core.config import ConfigError, glob_match, is_selected, load_config


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_files(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.select == [] and config.ignore == [] and config.fail_on is None
    assert config.baseline is None and config.docs_url is None and config.sources == []


def test_pyproject_table(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"

[tool.shipwarden]
select = ["pwn-request", "template-"]
ignore = "unpinned-uses, unpinned-image"
fail-on = "p0"
baseline = "ci/shipwarden-baseline.json"
docs-url = "https://docs.example.invalid/rules/"
exclude = ["vendor/**", "*.generated.yml"]

[tool.shipwarden.gate]
max-size = 1000

[tool.shipwarden.deps]
allow-scripts = ["esbuild"]
""",
    )
    config = load_config(tmp_path)
    assert config.select == ["pwn-request", "template-"]
    assert config.ignore == ["unpinned-uses", "unpinned-image"]
    assert config.fail_on == "P0"
    assert config.baseline == tmp_path / "ci/shipwarden-baseline.json"
    assert config.docs_url == "https://docs.example.invalid/rules/"
    assert config.gate == {"max-size": 1000}
    assert config.deps == {"allow-scripts": ["esbuild"]}
    assert config.sources == [tmp_path / "pyproject.toml"]


def test_pyproject_without_our_table_is_ignored(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    assert load_config(tmp_path).sources == []


def test_shipwarden_toml_wins_key_by_key(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", '[tool.shipwarden]\nfail-on = "P2"\nignore = ["a"]\n')
    _write(tmp_path / ".shipwarden.toml", 'fail-on = "none"\n')
    config = load_config(tmp_path)
    assert config.fail_on == "none"
    assert config.ignore == ["a"]  # not overridden, kept from pyproject
    assert config.sources == [tmp_path / "pyproject.toml", tmp_path / ".shipwarden.toml"]


def test_explicit_file_only(tmp_path: Path) -> None:
    _write(tmp_path / ".shipwarden.toml", 'fail-on = "P2"\n')
    explicit = _write(tmp_path / "custom.toml", 'fail-on = "P0"\nbaseline = "b.json"\n')
    config = load_config(tmp_path / "elsewhere", explicit)
    assert config.fail_on == "P0"
    assert config.baseline == tmp_path / "b.json"
    explicit_pyproject = tmp_path / "sub" / "pyproject.toml"
    explicit_pyproject.parent.mkdir()
    _write(explicit_pyproject, '[tool.shipwarden]\nselect = ["x"]\n')
    assert load_config(tmp_path, explicit_pyproject).select == ["x"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on = "P3"\n', "fail-on"),
        ("fail-on = 1\n", "fail-on"),
        ('selct = ["x"]\n', "unknown key 'selct'"),
        ("select = 3\n", "select"),
        ('select = ["bad id!"]\n', "not a rule id"),
        ("ignore = [1]\n", "ignore"),
        ("exclude = [1]\n", "exclude"),
        ('baseline = ""\n', "baseline"),
        ("docs-url = 3\n", "docs-url"),
        ('rules = "x"\n', "rules"),
        ("[rules]\nfoo = 1\n", "no rule takes per-rule options"),
        ('gate = "x"\n', "gate"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_values_raise_config_error(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path / ".shipwarden.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert message in str(info.value)
    assert ".shipwarden.toml" in str(info.value)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path, tmp_path / "nope.toml")


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / ".shipwarden.toml").write_bytes(b"select = ['\xff']\n")
    with pytest.raises(ConfigError):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("rule", "select", "ignore", "expected"),
    [
        ("pwn-request", [], [], True),
        ("pwn-request", ["pwn"], [], True),
        ("pwn-request", ["template-"], [], False),
        ("pwn-request", [], ["pwn-request"], False),
        ("pwn-request", [], ["pwn"], False),
        ("unpinned-uses", ["unpinned"], ["unpinned-uses"], False),  # more specific ignore wins
        ("unpinned-uses", ["unpinned-uses"], ["unpinned"], True),  # more specific select wins
        ("unpinned-uses", ["unpinned-uses"], ["unpinned-uses"], False),  # tie: ignore wins
    ],
)
def test_is_selected(rule: str, select: list[str], ignore: list[str], expected: bool) -> None:
    assert is_selected(rule, select, ignore) is expected


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("vendor/**", "vendor/a/b.yml", True),
        ("vendor/**", "src/vendor/a.yml", False),
        ("vendor", "src/vendor/a.yml", True),  # no slash: a name at any depth
        ("*.generated.yml", ".github/workflows/x.generated.yml", True),
        (".github/workflows/old-*.yml", ".github/workflows/old-ci.yml", True),
        (".github/workflows/old-*.yml", ".github/workflows/sub/old-ci.yml", False),
        ("**/fixtures/**", "tests/a/fixtures/w.yml", True),
        ("./examples/", "examples/x/y.yml", True),
        ("docs", "documentation/x", False),
    ],
)
def test_glob_match(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


def test_error_names_the_file_holding_the_bad_key(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", '[tool.shipwarden]\nfail-on = "P1"\n')
    _write(tmp_path / ".shipwarden.toml", "ignore = [3]\n")
    with pytest.raises(ConfigError, match=r"\.shipwarden\.toml: 'ignore'"):
        load_config(tmp_path)
    _write(tmp_path / ".shipwarden.toml", 'ignore = ["x"]\n')
    _write(tmp_path / "pyproject.toml", '[tool.shipwarden]\nfail-on = "high"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: 'fail-on'"):
        load_config(tmp_path)


def test_documented_examples_load(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    assert len(blocks) == 2
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a" / ".shipwarden.toml", blocks[0])
    assert load_config(tmp_path / "a").fail_on == "P1"
    (tmp_path / "b").mkdir()
    _write(tmp_path / "b" / "pyproject.toml", blocks[1])
    assert load_config(tmp_path / "b").fail_on == "P0"


def test_per_rule_option_tables_are_refused(tmp_path: Path) -> None:
    _write(tmp_path / ".shipwarden.toml", '[rules.unpinned-uses]\nallow = ["actions/*"]\n')
    with pytest.raises(ConfigError, match="no rule takes per-rule options"):
        load_config(tmp_path)
