"""How the sub-second phase of a run's first request sets its wall/floor ratio.

    python bench/phase.py [--n 120] [--phases 0.05,0.5,0.9] [--job rule|details]
                          [--latency 0.03]

Not a test. The rule update of bench/run.py (N videos without markers, one PUT each, cold cache)
or its cold plan +tags (one detail GET each), as an ordinary user against the fake with
PeerTube's 50 / 10 s fixed window, run in this process and started when the clock's fractional
second is each of ``--phases``. PeerTube rounds ``X-RateLimit-Reset`` up to a whole second and
its ``Date`` has whole seconds: the table shows how much of that each window's wait costs
(``gaps_s``: 10 s when nothing is lost).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # bench/run.py


def fractions(text: str) -> list[float]:
    return [float(part) % 1 for part in text.split(",") if part.strip()]


def wait_for_phase(phase: float) -> None:
    """Sleep until the fractional part of the epoch clock is ``phase``."""
    now = time.time()
    delay = (phase - now % 1) % 1
    time.sleep(delay)


def one(n: int, phase: float, latency: float, folder: Path, job: str) -> dict[str, object]:
    """One run of ``job`` ("rule": the rule update; "details": the cold plan +tags)."""
    from ptsync.session import Options, Run

    rule = job == "rule"
    fake = bench.FakePeerTube(rate_limit=(bench.LIMIT, bench.WINDOW)).start()
    try:
        fake.add_user(bench.USER, bench.PASSWORD)
        bench.seed(fake, n, marked=not rule)
        fake.faults.latency = latency
        if rule:
            manifest = bench.write_rule_manifest(folder)
        else:
            manifest = bench.write_manifest(folder, n, tags=True)
        cache = bench.new_cache(folder)
        env = {**os.environ, **bench.env_for(fake, cache)}
        options = Options(env=env, parallelism=bench.PARALLELISM, force=True)
        wait_for_phase(phase)
        with Run([str(manifest)], options) as run:
            planned = run.plan()
            done = run.apply(planned)[0].count("update") if rule else 0
        end = time.time()
        records = fake.requests
    finally:
        fake.stop()
    windows = bench.Windows.of(records)
    first = windows.starts[0]
    floor = bench.floor_s(len(records))
    gaps = [round(gap, 2) for gap in windows.gaps]
    return {
        "phase": round(first % 1, 2),
        "round_up_s": round(windows.round_up or 0.0, 2),
        "requests": len(records),
        "updated": done,
        "429s": sum(1 for r in records if r.status == 429),
        "wall_s": round(end - first, 2),
        "floor_s": floor,
        "wall/floor": round((end - first) / floor, 3) if floor else None,
        "gaps_s": " ".join(str(g) for g in gaps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--phases", type=fractions, default=fractions("0.05,0.5,0.9"))
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--job", choices=("rule", "details"), default="rule")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="ptsync-phase-") as tmp:
        for phase in args.phases:
            print(
                f"... N={args.n}, first request at {phase:.2f} s past a second",
                file=sys.stderr,
                flush=True,
            )
            rows.append(one(args.n, phase, args.latency, Path(tmp), args.job))
    print(bench.table(rows))
    ratios = [r["wall/floor"] for r in rows if isinstance(r["wall/floor"], float)]
    if ratios:
        print(f"\nwall/floor from {min(ratios)} to {max(ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
