"""One error tree: every exception class ptsync raises on purpose (a ``PtsyncError``) is
defined in ``ptsync.errors``, drawn in its docstring's tree under its real parent, and
exported by ``ptsync``; the tree names no class that does not exist."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import ptsync
from ptsync import errors

_NODE = re.compile(r"^    (?P<indent>[│ ]*)(?:[├└]── )?(?P<name>[A-Z]\w+)\s")


def _tree() -> dict[str, str | None]:
    """Each class the docstring draws, with the parent it is drawn under."""
    doc = errors.__doc__ or ""
    drawn = doc[doc.index("PtsyncError") - 4 : doc.index("Anything else")]
    parents: dict[str, str | None] = {}
    stack: list[str] = []
    for line in drawn.splitlines():
        found = _NODE.match(line)
        if not found:
            continue
        depth = len(found["indent"]) // 4 + (1 if "──" in line else 0)
        stack[depth:] = [found["name"]]
        parents[found["name"]] = stack[depth - 1] if depth else None
    return parents


def _product_modules() -> list[str]:
    """Every module of ptsync but the fake server's (it raises werkzeug's own errors)."""
    names = [m.name for m in pkgutil.walk_packages(ptsync.__path__, "ptsync.")]
    return [n for n in names if not n.startswith("ptsync.testing") and n != "ptsync.__main__"]


def test_the_docstring_tree_draws_every_error_under_its_parent():
    tree = _tree()
    assert "PtsyncError" in tree and len(tree) > 30
    for name, parent in tree.items():
        cls = getattr(errors, name, None)
        assert inspect.isclass(cls) and issubclass(cls, errors.PtsyncError), name
        if parent is not None:
            assert cls.__bases__[0] is getattr(errors, parent), f"{name} is not a {parent}"


def test_every_error_class_ptsync_defines_is_in_errors_and_in_the_tree():
    tree = _tree()
    found = {}
    for name in _product_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, errors.PtsyncError):
                found[cls.__qualname__] = cls.__module__
    elsewhere = {name: module for name, module in found.items() if module != "ptsync.errors"}
    assert elsewhere == {}, "define these in ptsync/errors.py"
    assert set(found) == set(tree), "draw these in the tree of ptsync/errors.py"


def test_ptsync_exports_the_whole_tree():
    assert set(ptsync.ERRORS) == set(_tree()) | {"Problem"}
    for name in ptsync.ERRORS:
        assert getattr(ptsync, name) is getattr(errors, name)
