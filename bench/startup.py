"""Startup figures for bench/run.py: fresh ``ptsync`` processes and ``python -X importtime``.

What a pre-commit hook or a CI step pays before ptsync does anything (issue 14 item 5: heavy
imports only where used). Timed from this process around ``subprocess.run``, so interpreter
start-up is included, as the user sees it; ``python -c pass`` is given for scale. Another
engineer may be changing the imports while this runs: the figures carry the time, the commit
and the uncommitted files under ``ptsync/``.
"""

from __future__ import annotations

import datetime
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def ptsync_command() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m ptsync``."""
    script = Path(sys.executable).parent / "ptsync"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ptsync"]


def as_installed(env: dict[str, str]) -> dict[str, str]:
    """The environment of an installed ptsync: ``pip install`` compiles a wheel's modules, and
    an editable install writes its bytecode on the first run, so a user's second run never
    compiles ptsync. A sandbox may set ``PYTHONDONTWRITEBYTECODE`` (every run compiles every
    module: about 14 % of ``validate``); measure without it, after compiling ``ptsync/``."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "ptsync")],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def median_run(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    """Median wall time of ``runs`` fresh processes of ``argv`` (each must exit 0)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr[-500:]}")
    return statistics.median(times)


IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
WATCHED = (
    "ptsync.testing",
    "rich",
    "jsonschema",
    "ruamel.yaml",
    "pydantic",
    "requests",
    "yaml",
    "werkzeug",
    "typer",
    "click",
    "tenacity",
)


def import_profile(args: list[str], runs: int, cwd: Path, root: str | None) -> dict[str, Any]:
    """``python -X importtime ARGS``, the run with the median total: ``root``'s cumulative
    time (None: every top-level import of the process, interpreter start-up included), the
    heaviest imports by cumulative time, and which known-heavy packages were loaded."""
    samples = []
    env = as_installed({**os.environ, "PYTHONPATH": str(ROOT)})
    for _ in range(max(1, runs)):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
        )
        entries = []  # (cumulative us, depth, name)
        for line in done.stderr.splitlines():
            found = IMPORT_LINE.match(line)
            if found:
                depth = (len(found.group(3)) - 1) // 2
                entries.append((int(found.group(2)), depth, found.group(4)))
        if root is None:
            total = sum(c for c, depth, _ in entries if depth == 0)
        else:
            total = next((c for c, _, name in entries if name == root), 0)
        samples.append((total, entries))
    samples.sort(key=lambda s: s[0])
    total, entries = samples[len(samples) // 2]
    heaviest = sorted(entries, reverse=True)[:10]
    loaded = {}
    for name in WATCHED:
        cumulative = [c for c, _, entry in entries if entry == name]
        loaded[name] = round(max(cumulative) / 1000, 1) if cumulative else None
    return {
        "args": args,
        "total_ms": round(total / 1000, 1),
        "top": [
            {"module": name, "depth": d, "cumulative_ms": round(c / 1000, 1)}
            for c, d, name in heaviest
        ],
        "heavy_packages_ms": loaded,  # None: not imported
    }


def git_state() -> dict[str, Any]:
    """When the startup figures were taken: the commit and the uncommitted CLI files."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.rstrip("\n")  # porcelain lines start with a space: keep it

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "ptsync").splitlines()]
    return {
        "measured_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "uncommitted_ptsync_files": dirty,
    }


def measure_startup(folder: Path, runs: int, manifest: Path) -> dict[str, Any]:
    """Fresh processes in ``folder`` (its own cache dir, no instance in the environment);
    ``manifest``: the 10-video manifest to validate."""
    print(f"... startup ({runs} runs each), importtime", file=sys.stderr, flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEERTUBE_", "PTSYNC_"))}
    env["PTSYNC_CACHE_DIR"] = str(folder / "startup-cache")
    env = as_installed(env)
    command = ptsync_command()
    return {
        "command": " ".join(command),
        "python_startup_s": round(median_run([sys.executable, "-c", "pass"], runs, env, folder), 3),
        "help_s": round(median_run([*command, "--help"], runs, env, folder), 3),
        "validate_s": round(
            median_run([*command, "validate", str(manifest)], runs, env, folder), 3
        ),
        "importtime": import_profile(["-c", "import ptsync.cli.app"], 3, folder, "ptsync.cli.app"),
        "importtime_validate": import_profile(
            ["-m", "ptsync", "validate", str(manifest)], 3, folder, None
        ),
        **git_state(),
    }


def startup_lines(start: dict[str, Any]) -> list[str]:
    dirty = ", ".join(start["uncommitted_ptsync_files"]) or "none"
    lines = [
        f"Startup ({start['command']}, median of fresh processes; measured {start['measured_at']}"
        f" at {start['commit']}, uncommitted ptsync files: {dirty}):",
        f"- python -c pass: {start['python_startup_s']} s; ptsync --help: {start['help_s']} s; "
        f"ptsync validate (10 videos): {start['validate_s']} s",
    ]
    for key, what in (
        ("importtime", "python -X importtime -c 'import ptsync.cli.app'"),
        ("importtime_validate", "python -X importtime -m ptsync validate (all imports)"),
    ):
        imports = start[key]
        packages = imports["heavy_packages_ms"].items()
        heavy = ", ".join(f"{name} {ms}" for name, ms in packages if ms is not None)
        absent = ", ".join(name for name, ms in packages if ms is None)
        top = ", ".join(f"{t['module']} {t['cumulative_ms']}" for t in imports["top"][:8])
        lines += [
            f"- {what}: {imports['total_ms']} ms cumulative; heaviest (ms): {top}",
            f"  - watched packages loaded (ms): {heavy or 'none'}; not loaded: {absent or '-'}",
        ]
    return lines
