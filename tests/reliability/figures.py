"""Numbers the reliability tests measured in this session (kill points, faults, examples).

Tests add to ``FIGURES``; ``conftest.py`` prints them at the end of the run, so the figures in
tests/README.md can be checked against any run (with pytest-xdist, each worker keeps its own).
"""

from __future__ import annotations

FIGURES: dict[str, int] = {}


def add(name: str, amount: int = 1) -> None:
    FIGURES[name] = FIGURES.get(name, 0) + amount
