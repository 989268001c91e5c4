"""Benchmark: ptsync against the fake PeerTube with per-request latency and PeerTube's rate limit.

    python bench/run.py [--sizes 100,1000,10000] [--apply-sizes 100] [--detail-sizes 100]
                        [--latency 0.03] [--json FILE]

Not a test: it prints a Markdown table. For each N the fake (in this process) gets one user
with N videos that already carry this system's markers, seeded through its Python API; every
ptsync step runs in a fresh spawned process, so its peak RSS is that step's alone, and starts
in a fresh rate-limit window (as runs minutes apart would). Rows:

* cold plan: empty cache dir, manifest managing list-only fields (name, privacy, category);
* warm no-op plan: the same manifest and cache dir again (token and vocabularies cached);
* cold / warm plan +tags: tags are not in the list payload, so one detail GET per video, then
  the detail cache (run for --detail-sizes, extrapolated otherwise);
* apply N updates: every name changed, one PUT each (run for --apply-sizes, else extrapolated);
* baseline: the seed script (log in, list, PUT every video, sleep(1)), measured once for 10
  videos in its own fake and extrapolated to N.

"floor" is what PeerTube's fixed window alone imposes on R requests: the first 50 go at once,
every further 50 wait for the next 10 s window, so (ceil(R/50) - 1) x 10 s. "(R-50)/5" is the
same limit as a smooth 5 requests/s, which underestimates it for small R. "req/window" is how
many requests a step got into each full window (50 at most).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ptsync.marker import Marker, compose_description
from ptsync.testing import FakePeerTube

USER, PASSWORD, SYSTEM = "bench", "bench-password-1", "bench"
LIMIT, WINDOW = 50, 10.0
PAGE = 100  # PeerTube's maximum page size for /users/me/videos
LOGIN = 2  # GET /oauth-clients/local + POST /users/token
BASELINE_SAMPLE = 10
CATEGORY = 15  # Science & Technology


# ------------------------------------------------------------------------------ fixtures


def seed(fake: FakePeerTube, n: int, user: str = USER) -> None:
    """N videos owned by ``user``, each already carrying this system's marker."""
    for i in range(n):
        fake.add_video(
            user,
            name=f"Video {i}",
            description=compose_description(Marker(SYSTEM, f"v{i}"), f"Video number {i}."),
            privacy=1,
            category=CATEGORY,
            tags=["archive", "bench"],
        )


def write_manifest(folder: Path, n: int, *, tags: bool = False, rename: bool = False) -> Path:
    """N entries matching the seeded videos by marker (created earlier by URL import)."""
    parts = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nvideos:\n"]
    for i in range(n):
        name = f"Video {i} (renamed)" if rename else f"Video {i}"
        parts.append(
            f"  - id: v{i}\n"
            f"    source: {{url: 'https://archive.example.org/v{i}.mp4'}}\n"
            f"    name: {name}\n"
            f"    privacy: Public\n"
            f"    category: {CATEGORY}\n"
        )
        if tags:
            parts.append("    tags: [archive, bench]\n")
    path = folder / f"videos-{n}{'-tags' if tags else ''}{'-renamed' if rename else ''}.yaml"
    path.write_text("".join(parts))
    return path


def fresh_window(fake: FakePeerTube) -> None:
    """Start the next step in a new rate-limit window, as a run minutes after the last would."""
    limiter = getattr(fake.app, "api_limiter", None)
    if limiter is not None:
        limiter.reset()
    else:  # pragma: no cover - the fake's internals changed: wait the window out instead
        time.sleep(WINDOW + 0.5)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ------------------------------------------------------------------------------ child steps


def ptsync_step(task: dict[str, Any], queue: Any) -> None:
    """One ``ptsync plan`` (and ``apply``) through the library, in a fresh process."""
    os.environ.update(task["env"])  # PTSYNC_CACHE_DIR is read at call time
    from ptsync.session import Options, Run

    options = Options(
        env=dict(os.environ), parallelism=4, use_cache=True, rate_limit=(LIMIT, WINDOW)
    )
    started = time.perf_counter()
    with Run([task["manifest"]], options) as run:
        planned = run.plan()
        summary = planned[0].plan.summary
        outcome = {
            "create": summary.create,
            "update": summary.update,
            "delete": summary.delete,
            "unchanged": summary.unchanged,
        }
        if task["apply"]:
            report = run.apply(planned)[0]
            outcome["updated"] = report.count("update")
            outcome["failed"] = report.failed
    wall = time.perf_counter() - started
    queue.put({"wall": wall, "rss_mb": peak_rss_mb(), "outcome": outcome})


def baseline_step(task: dict[str, Any], queue: Any) -> None:
    """The seed script: log in, list the videos, PUT each one and sleep 1 s."""
    import requests

    url = task["url"]
    started = time.perf_counter()
    with requests.Session() as http:
        client = http.get(f"{url}/api/v1/oauth-clients/local", timeout=30).json()
        form = {**client, "grant_type": "password", "username": USER, "password": PASSWORD}
        token = http.post(f"{url}/api/v1/users/token", data=form, timeout=30).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        videos: list[dict[str, Any]] = []
        while True:
            params = {"start": len(videos), "count": PAGE}
            page = http.get(f"{url}/api/v1/users/me/videos", params=params, timeout=30).json()
            videos.extend(page["data"])
            if not page["data"] or len(videos) >= page["total"]:
                break
        setup = time.perf_counter() - started
        for video in videos:
            body = {"name": video["name"] + " (renamed)"}
            answer = http.put(f"{url}/api/v1/videos/{video['uuid']}", json=body, timeout=30)
            answer.raise_for_status()
            time.sleep(1)
    wall = time.perf_counter() - started
    queue.put({"wall": wall, "setup": setup, "rss_mb": peak_rss_mb(), "videos": len(videos)})


def load_step(task: dict[str, Any], queue: Any) -> None:
    """Manifest load + validation (schema, limits, ids) of one big file, no network."""
    from ptsync.manifest import load

    started = time.perf_counter()
    loaded = load([task["manifest"]])
    wall = time.perf_counter() - started
    videos = sum(len(g.videos) for g in loaded.groups)
    queue.put({"wall": wall, "rss_mb": peak_rss_mb(), "videos": videos})


def in_child(target: Any, task: dict[str, Any]) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(task, queue))
    proc.start()
    try:
        result = queue.get(timeout=6 * 3600)
    finally:
        proc.join()
    if proc.exitcode:
        raise RuntimeError(f"{target.__name__} exited with {proc.exitcode}")
    return result


# ------------------------------------------------------------------------------ figures


def floor_s(requests: int) -> float:
    """Seconds PeerTube's fixed window (50 per 10 s) alone imposes on ``requests``."""
    return max(0, math.ceil(requests / LIMIT) - 1) * WINDOW


def smooth_floor_s(requests: int) -> float:
    """The same limit as a smooth rate of 5 requests/s after the first 50."""
    return max(0, requests - LIMIT) / (LIMIT / WINDOW)


def make_row(
    scenario: str,
    n: int,
    requests: int,
    minimum: int,
    wall: float,
    rss: float | None,
    note: str,
    per_window: float | None = None,
) -> dict[str, Any]:
    floor = floor_s(requests)
    return {
        "scenario": scenario,
        "N": n,
        "requests": requests,
        "minimum": minimum,
        "req/min": round(requests / minimum, 2),
        "wall_s": round(wall, 2),
        "floor_s": round(floor, 1),
        "wall/floor": round(wall / floor, 2) if floor else None,
        "(R-50)/5_s": round(smooth_floor_s(requests), 1),
        "req/window": round(per_window, 1) if per_window else None,
        "rss_mb": round(rss, 1) if rss else None,
        "note": note,
    }


def windows(fake: FakePeerTube) -> list[int]:
    """Requests per rate-limit window, windows opened as the fake's limiter opens them."""
    counts: list[int] = []
    end = 0.0
    for started in sorted(r.started for r in fake.requests):
        if not counts or started >= end:
            counts.append(0)
            end = started + WINDOW
        counts[-1] += 1
    return counts


def extrapolate(scenario: str, n: int, minimum: int, measured: dict[str, Any] | None) -> dict:
    """A row for a step too slow to run: requests are the minimum plus the overhead measured
    at a smaller N; time is the windows they need at the measured requests per full window
    (ptsync's limiter waits WINDOW + SAFETY between them) plus the measured time beyond its
    own windows (starting up, the last window's requests)."""
    from ptsync.peertube.ratelimit import SAFETY

    if measured is None:
        requests, per_window, tail = minimum, float(LIMIT), 0.0
        note = "(extrapolated: floor only, nothing measured)"
    else:
        row, counts = measured["row"], measured["windows"]
        requests = minimum + row["requests"] - row["minimum"]
        full = counts[:-1]
        per_window = sum(full) / len(full) if full else float(LIMIT)
        tail = max(0.0, row["wall_s"] - (len(counts) - 1) * (WINDOW + SAFETY))
        note = f"(extrapolated from N={row['N']})"
    wall = (math.ceil(requests / per_window) - 1) * (WINDOW + SAFETY) + tail
    return make_row(scenario, n, requests, minimum, wall, None, note, per_window)


def check(outcome: dict[str, Any], n: int, *, apply: bool) -> str:
    """An empty note when the step did what the row claims, else what went wrong."""
    if apply:
        ok = outcome.get("updated") == n and not outcome.get("failed")
        return "" if ok else f"UNEXPECTED: {outcome}"
    ok = outcome["unchanged"] == n and not (
        outcome["create"] or outcome["update"] or outcome["delete"]
    )
    return "" if ok else f"UNEXPECTED plan: {outcome}"


class Bench:
    def __init__(self, latency: float, folder: Path) -> None:
        self.latency = latency
        self.folder = folder
        self.rows: list[dict[str, Any]] = []
        self.measured: dict[str, dict[str, Any]] = {}  # scenario -> the largest N run

    def step(
        self,
        fake: FakePeerTube,
        scenario: str,
        n: int,
        manifest: Path,
        cache: Path,
        minimum: int,
        *,
        apply: bool = False,
    ) -> None:
        fresh_window(fake)
        fake.clear_requests()
        env = {
            "PEERTUBE_URL": fake.url,
            "PEERTUBE_USERNAME": USER,
            "PEERTUBE_PASSWORD": PASSWORD,
            "PTSYNC_CACHE_DIR": str(cache),
        }
        got = in_child(ptsync_step, {"env": env, "manifest": str(manifest), "apply": apply})
        note = check(got["outcome"], n, apply=apply)
        counts = windows(fake)
        full = counts[:-1]
        per_window = sum(full) / len(full) if full else None
        row = make_row(
            scenario, n, fake.count(), minimum, got["wall"], got["rss_mb"], note, per_window
        )
        self.rows.append(row)
        self.measured[scenario] = {"row": row, "windows": counts}

    def size(self, n: int, *, details: bool, apply: bool, baseline: dict[str, Any]) -> None:
        pages = math.ceil(n / PAGE)
        with FakePeerTube(rate_limit=(LIMIT, WINDOW)) as fake:
            fake.add_user(USER, PASSWORD)
            seed(fake, n)
            fake.faults.latency = self.latency
            cache = Path(tempfile.mkdtemp(prefix="cache-", dir=self.folder))
            plain = write_manifest(self.folder, n)
            self.step(fake, "cold plan (list fields)", n, plain, cache, pages + LOGIN)
            self.step(fake, "warm no-op plan", n, plain, cache, pages)

            cold, warm = "cold plan +tags (details)", "warm plan +tags (cached)"
            if details:
                tagged = write_manifest(self.folder, n, tags=True)
                fresh = Path(tempfile.mkdtemp(prefix="cache-", dir=self.folder))
                self.step(fake, cold, n, tagged, fresh, pages + n + LOGIN)
                self.step(fake, warm, n, tagged, fresh, pages)
            else:
                self.rows.append(extrapolate(cold, n, pages + n + LOGIN, self.measured.get(cold)))

            scenario = "apply N updates (rename)"
            if apply:
                renamed = write_manifest(self.folder, n, rename=True)
                self.step(fake, scenario, n, renamed, cache, pages + n, apply=True)
            else:
                self.rows.append(extrapolate(scenario, n, pages + n, self.measured.get(scenario)))
        self.rows.append(self.baseline_row(n, baseline))

    def baseline(self) -> dict[str, Any]:
        """Run the seed script once for BASELINE_SAMPLE videos; per-video time for the rest."""
        n = BASELINE_SAMPLE
        with FakePeerTube(rate_limit=(LIMIT, WINDOW)) as fake:
            fake.add_user(USER, PASSWORD)
            seed(fake, n)
            fake.faults.latency = self.latency
            got = in_child(baseline_step, {"url": fake.url})
            requests = fake.count()
        if got["videos"] != n:
            raise RuntimeError(f"baseline saw {got['videos']} videos, expected {n}")
        minimum = math.ceil(n / PAGE) + n + LOGIN
        per_video = (got["wall"] - got["setup"]) / n
        row = make_row("baseline: PUT + sleep(1)", n, requests, minimum, got["wall"], None, "")
        row["rss_mb"] = round(got["rss_mb"], 1)
        self.rows.append(row)
        return {"setup": got["setup"], "per_video": per_video, "row": row}

    def baseline_row(self, n: int, baseline: dict[str, Any]) -> dict[str, Any]:
        pages = math.ceil(n / PAGE)
        minimum = pages + n + LOGIN
        wall = baseline["setup"] + (pages - 1) * self.latency + n * baseline["per_video"]
        note = f"(extrapolated: N x {baseline['per_video']:.3f} s)"
        return make_row("baseline: PUT + sleep(1)", n, minimum, minimum, wall, None, note)


def table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = ("" if row[k] is None else str(row[k]) for k in keys)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=sizes, default=sizes("100,1000,10000"))
    parser.add_argument("--apply-sizes", type=sizes, default=sizes("100"), help="N to really apply")
    parser.add_argument(
        "--detail-sizes", type=sizes, default=sizes("100"), help="N to really plan with tags"
    )
    parser.add_argument("--latency", type=float, default=0.03, help="seconds per request")
    parser.add_argument("--load-size", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ptsync-bench-") as tmp:
        bench = Bench(args.latency, Path(tmp))
        print("... baseline (10 PUTs with sleep(1))", file=sys.stderr, flush=True)
        baseline = bench.baseline()
        for n in sorted(args.sizes):
            print(f"... N={n}", file=sys.stderr, flush=True)
            bench.size(
                n,
                details=n in args.detail_sizes,
                apply=n in args.apply_sizes,
                baseline=baseline,
            )
        big = write_manifest(Path(tmp), args.load_size, tags=True)
        loaded = in_child(load_step, {"manifest": str(big)})

    print(table(bench.rows))
    print()
    print(
        f"Manifest load + validation of {loaded['videos']:,} entries: {loaded['wall']:.2f} s "
        f"(peak RSS {loaded['rss_mb']:.0f} MB)"
    )
    print(
        f"Latency {args.latency * 1000:.0f} ms per request; rate limit {LIMIT}/{WINDOW:.0f} s; "
        f"baseline {baseline['per_video']:.3f} s per video (1 s + latency = "
        f"{1 + args.latency:.3f} s); total bench time {time.perf_counter() - started:.0f} s"
    )
    if args.json:
        payload = {
            "latency_s": args.latency,
            "rate_limit": [LIMIT, WINDOW],
            "rows": bench.rows,
            "baseline_per_video_s": baseline["per_video"],
            "load": {"entries": loaded["videos"], "wall_s": loaded["wall"]},
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
