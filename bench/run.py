"""Benchmark: ptsync against the fake PeerTube with a real server's service time and rate limit.

    python bench/run.py [--sizes 120,1000,10000] [--apply-sizes 120,1000]
                        [--detail-sizes 120,1000] [--moderator-size 150] [--profile 6.3]
                        [--latency 0] [--jobs] [--startup-runs 5] [--load-size 10000]
                        [--json FILE]

Not a test: it prints Markdown tables and figures against the targets of issues 14 and 25 (see
bench/README.md). The fake runs in this process with PeerTube's default API limit (50 requests
per fixed 10 s window per IP), the service time measured on a real server of ``--profile``
(``ptsync.testing.service.MEASURED``: a PUT, a detail GET, the login... take as long as there)
and ``--latency`` seconds of network per request; its users and videos are seeded through its
Python API (no HTTP). Every ptsync step is the ``ptsync`` command in a process of its own, as a
user runs it (``bench/process.py``: its start-up and exit are measured apart from the time the
server sees), in a fresh rate-limit window on the server (as runs minutes apart would).
Requests are counted in the fake's request log. ``--jobs``: only issue 25's two jobs (the rule
update of 120 videos as an ordinary user, the moderator's cold plan of 150) and the seed script.

Steps, as an ordinary (rate-limited) user unless said otherwise:

* cold plan (list fields): empty cache dir; the manifest lists the N videos and manages name,
  privacy, category (all in the list payload);
* warm no-op plan: the same again, same cache dir (token and vocabularies cached);
* cold / warm plan +tags: tags are not in the list payload, so one detail GET per video, then
  the detail cache (run for --detail-sizes, extrapolated otherwise);
* rule update (category): the seed article's job: a manifest with only a rule
  ``match: {channel: <the user's channel>}`` / ``set: {category: Education}`` over N videos of
  that channel that ptsync never touched (no markers), whose category differs: N PUTs, cold
  cache, ``force`` (a rule over all of them is above the 30 % threshold); run for
  --apply-sizes, extrapolated otherwise;
* baseline: the seed script (log in, list, PUT each video's category, sleep(1)), measured
  once for 10 videos and extrapolated to N;
* moderator: the cold plan +tags over --moderator-size videos as a moderator (PeerTube does
  not limit staff, nor should ptsync), against the same detail GETs sent raw by 4 threads
  through one ``requests.Session``;
* startup: ``ptsync --help`` and ``ptsync validate`` of a 10-video manifest (fresh processes,
  median of --startup-runs), and ``python -X importtime -c "import ptsync.cli.app"``;
* load: loading + validating a --load-size entry manifest, offline.

"floor" is what PeerTube's fixed window alone imposes on R requests counted from the first
one: the first 50 go at once, every further 50 wait for the next 10 s window, so
(ceil(R/50) - 1) x 10 s. "wall" is measured from the first request's arrival at the fake to the
end of the step (login and vocabularies included); "step" also counts loading the manifest.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from process import Process, run_cli  # noqa: E402  (bench/process.py)
from startup import as_installed, measure_startup, startup_lines  # noqa: E402

from ptsync.marker import Marker, compose_description  # noqa: E402
from ptsync.testing import FakePeerTube  # noqa: E402
from ptsync.testing.requestlog import RequestRecord  # noqa: E402
from ptsync.testing.service import MEASURED, NONE, ServiceTime  # noqa: E402

USER, PASSWORD, SYSTEM = "bench", "bench-password-1", "bench"
CHANNEL = f"{USER}_channel"  # the channel the fake gives a new user
LIMIT, WINDOW = 50, 10.0  # PeerTube's default API rate limit for ordinary users
PAGE = 100  # PeerTube's maximum page size for /users/me/videos
LOGIN = 2  # GET /oauth-clients/local + POST /users/token
LISTING = 1  # GET /accounts/{user}/video-playlists: every plan reads the owned playlists
BASELINE_SAMPLE = 10
CATEGORY = 15  # Science & Technology: every seeded video's category
RULE_CATEGORY, RULE_CATEGORY_ID = "Education", 13  # what the rule sets
PARALLELISM = 4
DETAIL_PATH = re.compile(
    r"^/api/v1/videos/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)

# targets of issue 14
TARGET_FLOOR_RATIO = 1.1
TARGET_STAFF_RATIO = 0.8  # the whole process against the raw GETs (issue 25)
TARGET_DETAIL_RATIO = 0.9  # the detail phase against the raw GETs' (issue 25)
TARGET_STARTUP_S = 0.3
TARGET_LOAD_S = 1.0
TARGET_RSS_MB = 150.0

COLD_LIST, WARM_LIST = "cold plan (list fields)", "warm no-op plan"
COLD_TAGS, WARM_TAGS = "cold plan +tags (details)", "warm plan +tags (cached)"
RULE = "rule update (category)"
BASELINE = "baseline: PUT + sleep(1)"
STAFF = "moderator: cold plan +tags"


# ------------------------------------------------------------------------------ fixtures


def seed(fake: FakePeerTube, n: int, *, marked: bool = True) -> None:
    """N videos of USER in CHANNEL; ``marked``: each already carries this system's marker
    (created by ptsync earlier), else as uploaded by hand (what a bulk rule finds)."""
    for i in range(n):
        text = f"Video number {i}."
        fake.add_video(
            USER,
            name=f"Video {i}",
            description=compose_description(Marker(SYSTEM, f"v{i}"), text) if marked else text,
            privacy=1,
            category=CATEGORY,
            tags=["archive", "bench"],
        )


def write_manifest(folder: Path, n: int, *, tags: bool = False) -> Path:
    """N entries matching the seeded videos by marker, nothing to change."""
    parts = [f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nvideos:\n"]
    for i in range(n):
        parts.append(
            f"  - id: v{i}\n"
            f"    source: {{url: 'https://archive.example.org/v{i}.mp4'}}\n"
            f"    name: Video {i}\n"
            f"    privacy: Public\n"
            f"    category: {CATEGORY}\n"
        )
        if tags:
            parts.append("    tags: [archive, bench]\n")
    path = folder / f"videos-{n}{'-tags' if tags else ''}.yaml"
    path.write_text("".join(parts))
    return path


def write_rule_manifest(folder: Path) -> Path:
    """The seed article's job as a manifest: one rule over the whole channel, no entries."""
    path = folder / "rule.yaml"
    path.write_text(
        f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nrules:\n"
        f"  - match: {{channel: {CHANNEL}}}\n"
        f"    set: {{category: {RULE_CATEGORY}}}\n"
        "videos: []\n"
    )
    return path


def fresh_window(fake: FakePeerTube) -> None:
    """Start the next step in a new rate-limit window, as a run minutes after the last would."""
    limiters = [getattr(fake.app, name, None) for name in ("api_limiter", "login_limiter")]
    if any(limiter is None or not hasattr(limiter, "reset") for limiter in limiters[:1]):
        time.sleep(WINDOW + 1.5)  # pragma: no cover - the fake's internals changed: wait
    for limiter in limiters:
        if limiter is not None and hasattr(limiter, "reset"):
            limiter.reset()


def category_id(video: dict[str, Any]) -> Any:
    """A video's category id from the fake's view (``{"id": 13, "label": ...}``)."""
    category = video.get("category")
    return category.get("id") if isinstance(category, dict) else category


def new_cache(folder: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="cache-", dir=folder))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def env_for(fake: FakePeerTube, cache: Path) -> dict[str, str]:
    return {
        "PEERTUBE_URL": fake.url,
        "PEERTUBE_USERNAME": USER,
        "PEERTUBE_PASSWORD": PASSWORD,
        "PTSYNC_CACHE_DIR": str(cache),
    }


def process_env(fake: FakePeerTube, cache: Path) -> dict[str, str]:
    """A user's shell: this one's variables without PeerTube's or ptsync's, then the run's."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PEERTUBE_", "PTSYNC_"))}
    return {**keep, "NO_COLOR": "1", **env_for(fake, cache)}


# ------------------------------------------------------------------------------ child steps


def cli_args(manifest: str, *, apply: bool, cache: bool = True) -> list[str]:
    """What a user types: a plan as JSON, or an apply that asks nothing (a rule over the whole
    channel is above the 30 % threshold: --force) and does not follow imports; ``cache``
    False: ``--no-cache`` (no token, vocabularies or details read or written)."""
    given = [] if cache else ["--no-cache"]
    if apply:
        return ["apply", manifest, "--auto-approve", "--force", "--no-wait", *given]
    return ["plan", manifest, "--format", "json", *given]


def outcome_of(process: Process, *, apply: bool) -> dict[str, Any]:
    """The plan's summary (``plan --format json``), or the apply's exit code."""
    if process.code not in (0, 2):
        return {"exit": process.code, "stderr": process.stderr[-500:]}
    if apply:
        return {"exit": process.code}
    summary = json.loads(process.stdout)["summary"]
    return {"exit": process.code, **summary}


def _login(http: Any, url: str) -> None:
    client = http.get(f"{url}/api/v1/oauth-clients/local", timeout=30).json()
    form = {**client, "grant_type": "password", "username": USER, "password": PASSWORD}
    token = http.post(f"{url}/api/v1/users/token", data=form, timeout=30).json()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"


def baseline_step(task: dict[str, Any], queue: Any) -> None:
    """The seed script: log in, list the videos, PUT each one's category and sleep 1 s."""
    import requests

    url = task["url"]
    started = time.perf_counter()
    with requests.Session() as http:
        _login(http, url)
        videos: list[dict[str, Any]] = []
        while True:
            params = {"start": len(videos), "count": PAGE}
            page = http.get(f"{url}/api/v1/users/me/videos", params=params, timeout=30).json()
            videos.extend(page["data"])
            if not page["data"] or len(videos) >= page["total"]:
                break
        setup = time.perf_counter() - started
        for video in videos:
            body = {"category": RULE_CATEGORY_ID}
            answer = http.put(f"{url}/api/v1/videos/{video['uuid']}", json=body, timeout=30)
            answer.raise_for_status()
            time.sleep(1)
    wall = time.perf_counter() - started
    queue.put({"wall": wall, "setup": setup, "rss_mb": peak_rss_mb(), "videos": len(videos)})


def raw_step(task: dict[str, Any], queue: Any) -> None:
    """The same detail GETs as ptsync's, sent raw: 4 threads, one ``requests.Session``."""
    import requests

    url, paths = task["url"], list(task["paths"])
    with requests.Session() as http:
        _login(http, url)
        lock = threading.Lock()
        failures: list[int] = []

        def work() -> None:
            while True:
                with lock:
                    if not paths:
                        return
                    path = paths.pop()
                answer = http.get(url + path, timeout=30)
                if answer.status_code != 200:
                    with lock:
                        failures.append(answer.status_code)

        started = time.perf_counter()
        threads = [threading.Thread(target=work) for _ in range(task["parallelism"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    queue.put({"wall": wall, "failures": failures})


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


@dataclass(frozen=True)
class Windows:
    """The server's windows as its fixed-window limiter opened them, from the request log:
    a window opens with the first request at or after the previous one's end."""

    starts: list[float]
    counts: list[int]

    @classmethod
    def of(cls, records: Sequence[RequestRecord]) -> Windows:
        starts: list[float] = []
        counts: list[int] = []
        for started in sorted(r.started for r in records):
            if not starts or started >= starts[-1] + WINDOW:
                starts.append(started)
                counts.append(0)
            counts[-1] += 1
        return cls(starts, counts)

    @property
    def per_window(self) -> float | None:
        """Mean requests in each full window (all but the last): at most LIMIT."""
        full = self.counts[:-1]
        return sum(full) / len(full) if full else None

    @property
    def gaps(self) -> list[float]:
        """Seconds between the first requests of consecutive windows."""
        return [b - a for a, b in itertools.pairwise(self.starts)]

    @property
    def gap(self) -> float | None:
        """Mean time between one window's first request and the next one's (at least WINDOW;
        the client waits for the announced Reset, which PeerTube rounds up to a second)."""
        if len(self.starts) < 2:
            return None
        return (self.starts[-1] - self.starts[0]) / (len(self.starts) - 1)

    @property
    def round_up(self) -> float | None:
        """What rounding the first window's ``X-RateLimit-Reset`` up to whole seconds adds to
        it (from the first request's arrival: the fake's window opens a latency later)."""
        if not self.starts:
            return None
        end = self.starts[0] + WINDOW
        return math.ceil(end) - end


def make_row(
    scenario: str,
    n: int,
    requests: int,
    minimum: int,
    *,
    wall: float,
    process: dict[str, Any] | None = None,
    refused: int | None = None,
    windows: Windows | None = None,
    per_window: float | None = None,
    gap: float | None = None,
    rss: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    """``wall``: from the first request's arrival to the end; ``process``: a CLI process's
    fixed costs and whole time (``process.Process.figures``)."""
    floor = floor_s(requests)
    round_up = None
    if windows is not None:
        per_window, gap = windows.per_window, windows.gap
        round_up = windows.round_up if gap else None
    figures = process or {}
    whole = figures.get("process_s")
    return {
        "scenario": scenario,
        "N": n,
        "requests": requests,
        "minimum": minimum,
        "429s": refused,
        "start_s": figures.get("start_s"),
        "exit_s": figures.get("exit_s"),
        "process_s": whole,
        "wall_s": round(wall, 2),
        "floor_s": round(floor, 1),
        "process/floor": round(whole / floor, 3) if floor and whole else None,
        "wall/floor": round(wall / floor, 3) if floor else None,
        "req/window": round(per_window, 1) if per_window else None,
        "gap_s": round(gap, 2) if gap else None,
        "round_up_s": round(round_up, 2) if round_up is not None else None,
        "rss_mb": round(rss, 1) if rss else None,
        "note": note,
    }


def extrapolate(scenario: str, n: int, minimum: int, measured: dict[str, Any] | None) -> dict:
    """A row for a step too slow to run. Requests: the minimum plus the overhead measured at
    the largest N run. Time: the windows those requests need at the requests per full window
    measured there, spaced by the gap measured between window starts there (WINDOW plus what
    waiting past each window's end costs), plus what that run took beyond its
    windows (the last window's requests, the end of the step)."""
    if measured is None:
        requests, per_window, gap, tail = minimum, float(LIMIT), WINDOW, 0.0
        note = "(extrapolated: floor only, nothing measured)"
    else:
        row, windows = measured["row"], measured["windows"]
        requests = minimum + row["requests"] - row["minimum"]
        per_window = windows.per_window or float(LIMIT)
        gap = windows.gap or WINDOW
        tail = max(0.0, row["wall_s"] - (len(windows.starts) - 1) * gap)
        note = f"(extrapolated from N={row['N']})"
        if windows.gap is None:
            note = f"(extrapolated from N={row['N']}, one window: gap taken as {WINDOW:.0f} s)"
    wall = (math.ceil(requests / per_window) - 1) * gap + tail
    return make_row(
        scenario, n, requests, minimum, wall=wall, per_window=per_window, gap=gap, note=note
    )


def check(outcome: dict[str, Any], n: int, *, apply: bool) -> str:
    """An empty note when the step did what the row claims, else what went wrong (an apply's
    updates are counted on the server by the caller)."""
    if outcome.get("exit") not in (0, 2):
        return f"UNEXPECTED: {outcome}"
    if apply:
        return ""
    ok = outcome["unchanged"] == n and not (
        outcome["create"] or outcome["update"] or outcome["delete"]
    )
    return "" if ok else f"UNEXPECTED plan: {outcome}"


def detail_phase(records: Sequence[RequestRecord]) -> tuple[int, float]:
    """(detail GETs, seconds) from the server's log: the first one's arrival to the last
    one's answer."""
    details = [r for r in records if r.method == "GET" and DETAIL_PATH.match(r.path)]
    if not details:
        return 0, 0.0
    first = min(r.started for r in details)
    return len(details), max(r.finished or r.started for r in details) - first


# ------------------------------------------------------------------------------ the bench


class Bench:
    def __init__(self, latency: float, folder: Path, service: ServiceTime = NONE) -> None:
        self.latency = latency
        self.service = service  # the real server's time per kind of request
        self.folder = folder
        self.rows: list[dict[str, Any]] = []
        self.measured: dict[str, dict[str, Any]] = {}  # scenario -> the largest N run
        self.staff: dict[str, Any] | None = None
        self.gaps: dict[str, list[float]] = {}  # "scenario, N=n" -> seconds between windows

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
        use_cache: bool = True,
    ) -> dict[str, Any]:
        """One ``ptsync plan`` or ``apply`` process, as a user runs it, in a fresh window."""
        print(f"... {scenario}, N={n}", file=sys.stderr, flush=True)
        fresh_window(fake)
        env = as_installed(process_env(fake, cache))
        args = cli_args(str(manifest), apply=apply, cache=use_cache)
        done = run_cli(args, env, fake, cwd=self.folder)
        records = done.records
        note = check(outcome_of(done, apply=apply), n, apply=apply)
        windows = Windows.of(records)
        row = make_row(
            scenario,
            n,
            len(records),
            minimum,
            wall=done.exited - done.first_arrival,
            process=done.figures(),
            refused=sum(1 for r in records if r.status == 429),
            windows=windows,
            rss=done.rss_mb,
            note=note,
        )
        self.rows.append(row)
        self.measured[scenario] = {"row": row, "windows": windows}
        if windows.gaps:
            self.gaps[f"{scenario}, N={n}"] = [round(gap, 2) for gap in windows.gaps]
        return {"row": row, "records": records, "process": done}

    def fake(self, n: int, *, marked: bool = True, role: str = "user") -> FakePeerTube:
        fake = FakePeerTube(rate_limit=(LIMIT, WINDOW), service_time=self.service).start()
        fake.add_user(USER, PASSWORD, role=role)
        seed(fake, n, marked=marked)
        fake.faults.latency = self.latency
        return fake

    def size(self, n: int, *, details: bool, rules: bool, baseline: dict[str, Any]) -> None:
        pages = math.ceil(n / PAGE) + LISTING
        fake = self.fake(n)
        try:
            cache = new_cache(self.folder)
            plain = write_manifest(self.folder, n)
            self.step(fake, COLD_LIST, n, plain, cache, pages + LOGIN)
            warm = self.step(fake, WARM_LIST, n, plain, cache, pages)["row"]
            if warm["requests"] != pages:
                warm["note"] = f"MORE than {pages} list pages and the playlist listing"
            if details:
                tagged = write_manifest(self.folder, n, tags=True)
                fresh = new_cache(self.folder)
                self.step(fake, COLD_TAGS, n, tagged, fresh, pages + n + LOGIN)
                self.step(fake, WARM_TAGS, n, tagged, fresh, pages)
            else:
                minimum = pages + n + LOGIN
                self.rows.append(extrapolate(COLD_TAGS, n, minimum, self.measured.get(COLD_TAGS)))
        finally:
            fake.stop()

        if rules:
            fake = self.fake(n, marked=False)
            try:
                rule = write_rule_manifest(self.folder)
                cache = new_cache(self.folder)
                self.step(fake, RULE, n, rule, cache, pages + n + LOGIN, apply=True)
                moved = sum(1 for v in fake.videos() if category_id(v) == RULE_CATEGORY_ID)
                if moved != n:
                    self.rows[-1]["note"] += f" UNEXPECTED: {moved} of {n} videos changed"
            finally:
                fake.stop()
        else:
            self.rows.append(extrapolate(RULE, n, pages + n + LOGIN, self.measured.get(RULE)))
        self.rows.append(self.baseline_row(n, baseline))

    def rule_only(self, n: int, baseline: dict[str, Any]) -> None:
        """Issue 25's ordinary-user job: the rule update of N videos, and the seed script."""
        fake = self.fake(n, marked=False)
        try:
            rule = write_rule_manifest(self.folder)
            pages = math.ceil(n / PAGE) + LISTING
            self.step(fake, RULE, n, rule, new_cache(self.folder), pages + n + LOGIN, apply=True)
            moved = sum(1 for v in fake.videos() if category_id(v) == RULE_CATEGORY_ID)
            if moved != n:
                self.rows[-1]["note"] += f" UNEXPECTED: {moved} of {n} videos changed"
        finally:
            fake.stop()
        self.rows.append(self.baseline_row(n, baseline))

    def baseline(self) -> dict[str, Any]:
        """Run the seed script once for BASELINE_SAMPLE videos; per-video time for the rest."""
        n = BASELINE_SAMPLE
        print(f"... {BASELINE}, N={n}", file=sys.stderr, flush=True)
        fake = self.fake(n, marked=False)
        try:
            got = in_child(baseline_step, {"url": fake.url})
            records = fake.requests
        finally:
            fake.stop()
        if got["videos"] != n:
            raise RuntimeError(f"baseline saw {got['videos']} videos, expected {n}")
        minimum = math.ceil(n / PAGE) + n + LOGIN
        row = make_row(
            BASELINE,
            n,
            len(records),
            minimum,
            wall=got["wall"],
            process={"process_s": round(got["wall"], 3)},
            refused=sum(1 for r in records if r.status == 429),
            rss=got["rss_mb"],
        )
        self.rows.append(row)
        per_video = (got["wall"] - got["setup"]) / n
        return {"setup": got["setup"], "per_video": per_video, "row": row}

    def baseline_row(self, n: int, baseline: dict[str, Any]) -> dict[str, Any]:
        """The seed script is paced by its sleep, not by the rate limit: setup + N x per video."""
        pages = math.ceil(n / PAGE)
        minimum = pages + n + LOGIN
        wall = baseline["setup"] + (pages - 1) * self.latency + n * baseline["per_video"]
        note = f"(extrapolated: N x {baseline['per_video']:.3f} s)"
        whole = {"process_s": round(wall, 3)}
        return make_row(BASELINE, n, minimum, minimum, wall=wall, process=whole, note=note)

    def moderator(self, n: int) -> dict[str, Any]:
        """The cold plan +tags as a moderator, then the same detail GETs sent raw: the whole
        ``ptsync`` process against the raw GETs' time in their client, and the detail phase
        of each in the server's log (first arrival to last answer)."""
        pages = math.ceil(n / PAGE) + LISTING
        fake = self.fake(n, role="moderator")
        try:
            tagged = write_manifest(self.folder, n, tags=True)
            cache = new_cache(self.folder)
            got = self.step(fake, STAFF, n, tagged, cache, pages + n + LOGIN, use_cache=False)
            row = got["row"]
            row["note"] = (
                row["note"] + " no client-side limit: floor is an ordinary user's"
            ).strip()
            ours, ours_s = detail_phase(got["records"])
            paths = [
                r.path for r in got["records"] if r.method == "GET" and DETAIL_PATH.match(r.path)
            ]

            print(
                f"... raw GETs, {len(paths)} videos, {PARALLELISM} threads",
                file=sys.stderr,
                flush=True,
            )
            fresh_window(fake)
            fake.clear_requests()
            task = {"url": fake.url, "paths": paths, "parallelism": PARALLELISM}
            raw = in_child(raw_step, task)
            raw_records = fake.requests
        finally:
            fake.stop()
        theirs, raw_s = detail_phase(raw_records)
        process: Process = got["process"]
        figures = process.figures()
        whole = figures["process_s"]
        self.staff = {
            "videos": n,
            "parallelism": PARALLELISM,
            "ptsync_requests": row["requests"],
            "ptsync_process_s": whole,
            "ptsync_start_s": figures.get("start_s"),
            "ptsync_exit_s": figures.get("exit_s"),
            "ptsync_detail_gets": ours,
            "ptsync_detail_s": round(ours_s, 3),
            "ptsync_429s": row["429s"],
            "raw_gets": theirs,
            "raw_detail_s": round(raw_s, 3),
            "raw_client_s": round(raw["wall"], 3),
            "raw_failures": len(raw["failures"]),
            "process_ratio": round(raw["wall"] / whole, 3) if whole else None,
            "detail_ratio": round(raw_s / ours_s, 3) if ours_s else None,
        }
        return self.staff


# ------------------------------------------------------------------------------ output


def table(rows: list[dict[str, Any]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = ("" if row[k] is None else str(row[k]) for k in keys)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def targets(bench: Bench, start: dict[str, Any] | None, loaded: dict[str, Any] | None) -> list[str]:
    """One line per target of issues 14 and 25, measured rows only."""
    lines = []
    for row in bench.rows:
        measured = not row["note"].startswith("(extrapolated")
        if not measured:
            continue
        if row["scenario"] in (RULE, COLD_TAGS) and row["N"] >= 120 and row["process/floor"]:
            ratio = row["process/floor"]
            lines.append(
                f"- {row['scenario']}, N={row['N']}: the whole process {row['process_s']} s "
                f"(start {row['start_s']} s, exit {row['exit_s']} s) for {row['requests']} "
                f"requests, floor {row['floor_s']} s: {ratio}x (target <= {TARGET_FLOOR_RATIO}x) "
                f"{verdict(ratio <= TARGET_FLOOR_RATIO)}"
            )
        if row["scenario"] in (WARM_LIST, WARM_TAGS):
            pages = row["minimum"]
            lines.append(
                f"- {row['scenario']}, N={row['N']}: {row['requests']} requests, "
                f"ceil(N/100) + 1 = {pages} {verdict(row['requests'] == pages)}"
            )
        if row["429s"]:
            lines.append(f"- {row['scenario']}, N={row['N']}: {row['429s']} answers 429 MISSED")
    if bench.staff:
        s = bench.staff
        whole, details = s["process_ratio"] or 0, s["detail_ratio"] or 0
        lines.append(
            f"- moderator, {s['ptsync_detail_gets']} detail GETs: the whole ptsync process "
            f"{s['ptsync_process_s']} s vs {s['raw_client_s']} s raw ({s['parallelism']} "
            f"threads): {whole}x (target >= {TARGET_STAFF_RATIO}x) "
            f"{verdict(whole >= TARGET_STAFF_RATIO)}; detail phase {s['ptsync_detail_s']} s vs "
            f"{s['raw_detail_s']} s: {details}x (target >= {TARGET_DETAIL_RATIO}x) "
            f"{verdict(details >= TARGET_DETAIL_RATIO)}"
        )
    if start:
        for key, what in (
            ("help_s", "ptsync --help"),
            ("validate_s", "ptsync validate (10 videos)"),
        ):
            lines.append(
                f"- {what}: {start[key]} s median (target < {TARGET_STARTUP_S} s) "
                f"{verdict(start[key] < TARGET_STARTUP_S)}"
            )
    if loaded:
        lines.append(
            f"- load + validate {loaded['videos']:,} entries: {loaded['wall']:.2f} s "
            f"(target < {TARGET_LOAD_S} s) {verdict(loaded['wall'] < TARGET_LOAD_S)}"
        )
    big = [r for r in bench.rows if r["scenario"] == COLD_LIST and r["N"] >= 10_000 and r["rss_mb"]]
    for row in big:
        lines.append(
            f"- peak RSS of the {row['N']:,}-video cold plan: {row['rss_mb']} MB "
            f"(target < {TARGET_RSS_MB:.0f} MB) {verdict(row['rss_mb'] < TARGET_RSS_MB)}"
        )
    return lines


def staff_table(staff: dict[str, Any]) -> str:
    rows = [
        {
            "who": "ptsync plan --no-cache (moderator), the whole process",
            "detail GETs": staff["ptsync_detail_gets"],
            "detail phase (server log)": f"{staff['ptsync_detail_s']} s",
            "client": f"{staff['ptsync_process_s']} s for {staff['ptsync_requests']} requests "
            f"(start {staff['ptsync_start_s']} s, exit {staff['ptsync_exit_s']} s)",
        },
        {
            "who": f"raw requests ({staff['parallelism']} threads, after logging in)",
            "detail GETs": staff["raw_gets"],
            "detail phase (server log)": f"{staff['raw_detail_s']} s",
            "client": f"{staff['raw_client_s']} s",
        },
    ]
    return (
        table(rows) + f"\n\nraw / ptsync: whole process {staff['process_ratio']}x, "
        f"detail phase {staff['detail_ratio']}x"
    )


def service_time(profile: str) -> ServiceTime:
    if profile == "none":
        return NONE
    if profile not in MEASURED:
        raise SystemExit(f"--profile: one of {', '.join(MEASURED)} or none, not {profile!r}")
    return MEASURED[profile]


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", type=sizes, default=sizes("120,1000,10000"))
    parser.add_argument(
        "--apply-sizes", type=sizes, default=sizes("120,1000"), help="N to really rule-update"
    )
    parser.add_argument(
        "--detail-sizes", type=sizes, default=sizes("120,1000"), help="N to really plan with tags"
    )
    parser.add_argument(
        "--moderator-size", type=int, default=150, help="videos for the moderator row (0: skip)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="network seconds per request (loopback: 0)"
    )
    parser.add_argument(
        "--profile",
        default="6.3",
        help=f"the real server's time per request, as measured ({', '.join(MEASURED)}) or none",
    )
    parser.add_argument(
        "--jobs",
        action="store_true",
        help="only issue 25's jobs: the seed script, the rule update (120), the moderator (150)",
    )
    parser.add_argument("--startup-runs", type=int, default=5, help="0: skip the startup figures")
    parser.add_argument("--load-size", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ptsync-bench-") as tmp:
        folder = Path(tmp)
        small = write_manifest(folder, 10)
        runs = 0 if args.jobs else args.startup_runs
        start = measure_startup(folder, runs, small) if runs > 0 else None
        bench = Bench(args.latency, folder, service_time(args.profile))
        baseline = bench.baseline()
        loaded = None
        if args.jobs:
            bench.rule_only(120, baseline)
            bench.moderator(150)
        else:
            for n in sorted(args.sizes):
                bench.size(
                    n,
                    details=n in args.detail_sizes,
                    rules=n in args.apply_sizes,
                    baseline=baseline,
                )
            if args.moderator_size > 0:
                bench.moderator(args.moderator_size)
            print(f"... load + validate {args.load_size:,} entries", file=sys.stderr, flush=True)
            big = write_manifest(folder, args.load_size, tags=True)
            loaded = in_child(load_step, {"manifest": str(big)})
    total = time.perf_counter() - started

    print(table(bench.rows))
    if bench.staff:
        print()
        print(staff_table(bench.staff))
    print()
    if start:
        print("\n".join(startup_lines(start)))
    if loaded:
        print(
            f"Manifest load + validation of {loaded['videos']:,} entries: {loaded['wall']:.2f} s "
            f"(peak RSS {loaded['rss_mb']:.0f} MB)"
        )
    print(
        f"Service times: {args.profile}; latency {args.latency * 1000:.0f} ms per request; "
        f"rate limit {LIMIT}/{WINDOW:.0f} s; parallelism {PARALLELISM}; baseline "
        f"{baseline['per_video']:.3f} s per video; total bench time {total:.0f} s; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print()
    print("Targets (issues 14 and 25):")
    print("\n".join(targets(bench, start, loaded)))
    if args.json:
        payload = {
            "profile": args.profile,
            "load_average": list(os.getloadavg()),
            "latency_s": args.latency,
            "rate_limit": [LIMIT, WINDOW],
            "parallelism": PARALLELISM,
            "rows": bench.rows,
            "moderator": bench.staff,
            "window_gaps_s": bench.gaps,
            "startup": start,
            "baseline_per_video_s": baseline["per_video"],
            "load": loaded
            and {
                "entries": loaded["videos"],
                "wall_s": loaded["wall"],
                "rss_mb": loaded["rss_mb"],
            },
            "targets": targets(bench, start, loaded),
            "bench_s": round(total, 1),
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
