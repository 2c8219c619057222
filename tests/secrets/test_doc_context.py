"""Where a secret sits: documentation (comment, docstring, Markdown example) or code."""

from __future__ import annotations

import pytest

from shipwarden.secrets.context import doc_context

SECRET = "SECRETVALUE"


def _at(text: str, path: str) -> str:
    return doc_context(text, text.index(SECRET), path)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("dist/cli.js", f"/**\n * @example\n * key: '{SECRET}'\n */\n", "a documentation comment"),
        ("dist/cli.js", f"x();\n// const key = '{SECRET}'\n", "a documentation comment"),
        ("dist/cli.js", f"/** doc */\nconst key = '{SECRET}';\n", ""),
        # a `*` line outside any comment (a multiplication continued on the next line)
        ("dist/cli.js", f"const a = b\n  * c; const key = '{SECRET}';\n", ""),
        ("dist/cli.js", f"/* a */ x();\n * '{SECRET}'\n", ""),
        ("pkg/auth.py", f'def f():\n    """Use it.\n\n    >>> f("{SECRET}")\n    """\n', "a docstring"),
        ("pkg/auth.py", f'KEY = """\n{SECRET}\n"""\n', ""),
        ("pkg/auth.py", f'"""Module."""\nKEY = "{SECRET}"\n', ""),
        ("pkg/auth.py", f"# KEY = '{SECRET}'\n", "a comment"),
        ("README.md", f"Intro\n\n```sh\nexport TOKEN={SECRET}\n```\n", "a Markdown code example"),
        ("README.md", f"Intro\n\n    export TOKEN={SECRET}\n", "a Markdown code example"),
        ("README.md", f"```\nx\n```\nTOKEN={SECRET}\n", ""),
        ("", f"/**\n * {SECRET}\n */", "a documentation comment"),
        ("data.json", f'{{"key": "{SECRET}"}}', ""),
    ],
)
def test_doc_context(path: str, text: str, expected: str) -> None:
    assert _at(text, path) == expected


def test_before_carries_an_opening_from_the_previous_window() -> None:
    from shipwarden.secrets import scan_text
    from shipwarden.secrets.fakes import fake_token

    key = fake_token("private-key", 1).replace("\n", "\n * ")
    (alone,) = scan_text(f" * {key}\n */\n", path="a.js")
    (carried,) = scan_text(f" * {key}\n */\n", path="a.js", before="code();\n/**\n * @example\n")
    assert alone.context == "" and carried.context == "a documentation comment"
