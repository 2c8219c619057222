"""secrets-tojson skips a file whose text holds no use of the whole ``secrets`` context; a use
spelled with a YAML escape (the text does not hold it as it is) is still found."""

from __future__ import annotations

from pathlib import Path

from shipwarden.ci.github.scan import load_rules, scan_root

HEAD = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"


def _found(tmp_path: Path, steps: str) -> list[str]:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "ci.yml").write_text(HEAD + steps)
    load_rules()
    return [f.properties["kind"] for f in scan_root(str(tmp_path)).findings if f.rule_id == "secrets-tojson"]


def test_one_secret_by_name_is_not_reported(tmp_path: Path) -> None:
    assert _found(tmp_path, "      - run: echo ${{ secrets.TOKEN }} ${{ Secrets._x }}\n") == []


def test_the_whole_context_is_reported(tmp_path: Path) -> None:
    steps = "      - run: echo '${{ toJSON(secrets) }}'\n      - run: echo ${{ secrets[matrix.name] }}\n"
    assert _found(tmp_path, steps) == ["whole-context", "dynamic-index"]


def test_a_use_spelled_with_escapes_is_reported(tmp_path: Path) -> None:
    # "\x73" is "s" and an escaped line break joins the lines: the text holds no `secrets)` as it is
    steps = '      - run: "echo ${{ toJSON(\\x73ecrets) }} ${{ toJSON(sec\\\n        rets) }}"\n'
    assert _found(tmp_path, steps) == ["whole-context", "whole-context"]
