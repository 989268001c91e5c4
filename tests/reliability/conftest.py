"""Print the reliability figures (kill points, injected faults, examples) after the run."""

from __future__ import annotations

from tests.reliability.figures import FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
