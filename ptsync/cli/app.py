"""``ptsync`` command line: parse options, call the library, map outcomes to exit codes.

Exit codes: 0 ok (plan: no changes with --detailed-exitcode), 1 error (including usage
errors, so that 2 only ever means "plan has changes"), 2 changes (--detailed-exitcode),
3 internal bug, 4 refused for safety or stale plan, 130 interrupted.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ptsync.cli.console import color_enabled, err, handle_errors, out, print_result, setup_logging
from ptsync.cli.progress import ProgressUI
from ptsync.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, ApplyFailed, ConfigError
from ptsync.live.fetch import PlannedGroup
from ptsync.plan.safety import DEFAULT_MAX_FRACTION, DEFAULT_MIN_EXISTING
from ptsync.render import Format, render_plans
from ptsync.render.status_table import render_status
from ptsync.report.results import ApplyReport
from ptsync.report.status import status_document
from ptsync.session import Hooks, Options, Run
from ptsync.store import planfile

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="GitOps for PeerTube: plan and apply video metadata from YAML manifests.",
)


Paths = Annotated[
    list[str] | None, typer.Argument(help="Manifest files or folders (default: manifests/).")
]
Prune = Annotated[bool, typer.Option(help="Delete managed videos missing from the manifest.")]
Force = Annotated[
    bool, typer.Option(help="Allow changing more than --max-update/--max-delete-fraction.")
]
MaxDelete = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="Refuse plans deleting more of the managed videos.")
]
MaxUpdate = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Refuse plans updating more of the videos they can touch."),
]
SafetyMin = Annotated[
    int, typer.Option(min=0, help="Check the fractions only from this many existing videos.")
]
Parallelism = Annotated[int, typer.Option(min=1, max=32, help="Concurrent requests.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Bypass the detail/vocabulary cache.")]
InsecureHttp = Annotated[
    bool, typer.Option("--insecure-http", help="Allow http:// to non-loopback hosts.")
]
Timeout = Annotated[
    float, typer.Option(min=0.1, help="Seconds to wait for each answer before retrying.")
]
DEFAULT_RATE = "50/10"  # None from the option: not given, so admins are not capped
RateLimit = Annotated[
    str | None,
    typer.Option(
        help="'REQUESTS/SECONDS' until the server reports its own window, or 'off'; "
        "given explicitly, it also caps admins and moderators.",
        show_default=DEFAULT_RATE,
    ),
]


@app.callback()
def _global(
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="More logs.")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only errors on stderr.")] = False,
    log_format: Annotated[str, typer.Option(help="Log format: text or json.")] = "text",
) -> None:
    setup_logging(verbose, quiet, log_format)


_DEFAULTS = Options()


def _options(
    prune: bool = _DEFAULTS.prune,
    force: bool = _DEFAULTS.force,
    fractions: tuple[float, float, int] = (
        _DEFAULTS.max_delete_fraction,
        _DEFAULTS.max_update_fraction,
        _DEFAULTS.safety_min_existing,
    ),
    parallelism: int = _DEFAULTS.parallelism,
    no_cache: bool = not _DEFAULTS.use_cache,
    insecure_http: bool = _DEFAULTS.insecure_http,
    rate_limit: str | None = None,
) -> Options:
    return Options(
        prune=prune,
        force=force,
        max_delete_fraction=fractions[0],
        max_update_fraction=fractions[1],
        safety_min_existing=fractions[2],
        parallelism=parallelism,
        use_cache=not no_cache,
        insecure_http=insecure_http,
        rate_limit=_parse_rate(rate_limit or DEFAULT_RATE),
        rate_limit_explicit=rate_limit is not None,
    )


def _parse_rate(text: str) -> tuple[int, float] | None:
    if text.strip().lower() in ("off", "none", "0"):
        return None
    try:
        count, _, seconds = text.partition("/")
        return int(count), float(seconds or 1)
    except ValueError:
        raise ConfigError(f"--rate-limit {text!r}: expected REQUESTS/SECONDS, e.g. 50/10") from None


def render(planned: list[PlannedGroup], fmt: Format) -> str:
    return render_plans([g.plan for g in planned], fmt, color=color_enabled(sys.stdout))


@app.command()
def plan(
    paths: Paths = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    out_file: Annotated[Path | None, typer.Option("--out", help="Save the plan for apply.")] = None,
    detailed_exitcode: Annotated[
        bool, typer.Option(help="Exit 2 when there are changes, 0 when none.")
    ] = False,
    prune: Prune = False,
    force: Force = False,
    max_delete_fraction: MaxDelete = DEFAULT_MAX_FRACTION,
    max_update_fraction: MaxUpdate = DEFAULT_MAX_FRACTION,
    safety_min_existing: SafetyMin = DEFAULT_MIN_EXISTING,
    parallelism: Parallelism = 4,
    no_cache: NoCache = False,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
    timeout: Timeout = 60.0,
) -> int:
    """Show what apply would change, without changing anything."""
    options = dataclasses.replace(
        _options(
            prune,
            force,
            (max_delete_fraction, max_update_fraction, safety_min_existing),
            parallelism,
            no_cache,
            insecure_http,
            rate_limit,
        ),
        timeout=timeout,
    )
    with Run(paths, options) as run:
        planned = run.plan()
        out(render(planned, format))
        run.check_safety(planned)  # after the plan is shown: the reviewer sees what is refused
        if out_file is not None:
            groups = [planfile.SavedGroup(g.desired.digest, g.plan) for g in planned]
            planfile.save(out_file, run.paths, groups)
            err(f"Saved the plan to {out_file}; apply it with: ptsync apply {out_file}")
    changed = any(g.plan.has_changes for g in planned)
    return EXIT_CHANGES if detailed_exitcode and changed else EXIT_OK


@app.command()
def apply(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Manifest files/folders (default manifests/), or a saved plan file."),
    ] = None,
    auto_approve: Annotated[bool, typer.Option(help="Do not ask for confirmation.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write per-item results as JSON.")] = None,
    prune: Prune = False,
    force: Force = False,
    max_delete_fraction: MaxDelete = DEFAULT_MAX_FRACTION,
    max_update_fraction: MaxUpdate = DEFAULT_MAX_FRACTION,
    safety_min_existing: SafetyMin = DEFAULT_MIN_EXISTING,
    parallelism: Parallelism = 4,
    no_cache: NoCache = False,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait", help="Follow imports to the end (default: on a terminal)."
        ),
    ] = None,
    wait_timeout: Annotated[float, typer.Option(help="Give up following after seconds.")] = 3600,
    notify: Annotated[
        str | None, typer.Option(help="POST a JSON summary here when done (overrides notify:).")
    ] = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Upload chunk size in MiB.")] = 8,
    timeout: Timeout = 60.0,
) -> int:
    """Make the instance match the manifests (or carry out a saved plan)."""
    options = dataclasses.replace(
        _options(
            prune,
            force,
            (max_delete_fraction, max_update_fraction, safety_min_existing),
            parallelism,
            no_cache,
            insecure_http,
            rate_limit,
        ),
        wait=sys.stderr.isatty() if wait is None else wait,
        wait_timeout=wait_timeout,
        notify_url=notify,
        chunk_size=chunk_size * 2**20,
        timeout=timeout,
    )
    saved_path = Path(paths[0]) if paths and len(paths) == 1 else None
    with ProgressUI() as ui:
        hooks = Hooks(print_result, ui.upload, ui.imports, err)
        if saved_path is not None and planfile.is_plan_file(saved_path):
            saved = planfile.load(saved_path)
            with Run(list(saved.manifests), options) as run:
                return _finish(run.apply_saved(saved, hooks), report)
        with Run(paths, options) as run:
            planned = run.plan()
            out(render(planned, Format.text))
            if not any(g.plan.has_changes for g in planned):
                return EXIT_OK
            run.check_safety(planned)
            _confirm(auto_approve)
            return _finish(run.apply(planned, hooks), report)


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise ConfigError("apply needs --auto-approve when not run interactively; nothing changed")
    answer = typer.prompt("Apply these changes? Only 'yes' is accepted", err=True, default="")
    if answer.strip() != "yes":
        raise ConfigError("apply cancelled; nothing changed")


def _finish(reports: list[ApplyReport], report_path: Path | None) -> int:
    for item in reports:
        out(item.summary_line())
    if report_path is not None:
        report_path.write_text(json.dumps(report_document(reports), indent=2) + "\n")
    failed = sum(r.failed for r in reports)
    if failed:
        raise ApplyFailed(failed, sum(len(r.results) for r in reports))
    return EXIT_OK


def report_document(reports: list[ApplyReport]) -> dict[str, Any]:
    docs = [r.to_dict() for r in reports]
    keys = ("created", "updated", "deleted", "failed", "total")
    return {
        "format_version": 1,
        "summary": {k: sum(d["summary"][k] for d in docs) for k in keys},
        "results": [
            {"instance": d["instance"], "system": d["system"], **item}
            for d in docs
            for item in d["results"]
        ],
        "groups": [{k: d[k] for k in ("instance", "system", "summary")} for d in docs],
    }


@app.command()
def adopt(
    paths: Paths = None,
    auto_approve: Annotated[bool, typer.Option(help="Do not ask for confirmation.")] = False,
    write_uuids: Annotated[
        bool,
        typer.Option(
            "--write-uuids/--no-write-uuids",
            help="Pin matched videos by writing their uuids into the manifest files.",
        ),
    ] = True,
    parallelism: Parallelism = 4,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
) -> int:
    """Take over existing videos: write ptsync markers (and pin uuids in the manifest)."""
    from ptsync.manifest.writeback import insert_uuids

    options = dataclasses.replace(
        _options(parallelism=parallelism, insecure_http=insecure_http, rate_limit=rate_limit),
        adopt=True,
    )
    with Run(paths, options) as run:
        planned = run.plan()
        out(render(planned, Format.text))
        code = EXIT_OK
        if any(g.plan.has_changes for g in planned):
            _confirm(auto_approve)
            with ProgressUI() as ui:
                code = _finish(run.apply(planned, Hooks(print_result, ui.upload)), None)
        if write_uuids:
            for target, group in zip(run.targets, planned, strict=True):
                found = {
                    m.desired.external_id: m.live.uuid
                    for m in (group.matching.matches if group.matching else ())
                    if m.live is not None and not m.desired.uuid
                }
                for member in target.group.members:
                    added = insert_uuids(member, found) if found else 0
                    if added:
                        err(f"Pinned {added} uuid(s) in {member.path}")
    return code


@app.command()
def export(
    channel: Annotated[
        str | None, typer.Option(help="Channel name (handle); default: all your videos.")
    ] = None,
    system: Annotated[str, typer.Option(help="External-id namespace of the manifest.")] = "main",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    parallelism: Parallelism = 4,
    insecure_http: InsecureHttp = False,
    rate_limit: RateLimit = None,
) -> int:
    """Write a manifest for existing videos (pinned by uuid) that plans "No changes"."""
    import os

    from ptsync.export import fetch_videos, render_manifest
    from ptsync.live.cache import VocabularyCache
    from ptsync.live.vocab import load_vocabularies
    from ptsync.peertube import ClientSettings, PeerTubeClient, credentials_from_env

    url = os.environ.get("PEERTUBE_URL")
    if not url:
        raise ConfigError("export needs PEERTUBE_URL (and PEERTUBE_USERNAME/PASSWORD or TOKEN)")
    settings = ClientSettings(
        rate_limit=_parse_rate(rate_limit or DEFAULT_RATE),
        rate_limit_explicit=rate_limit is not None,
        insecure_http=insecure_http,
        parallelism_hint=parallelism,
    )
    credentials = credentials_from_env(os.environ)
    with PeerTubeClient(url, credentials, settings) as client, ProgressUI() as ui:
        cache = VocabularyCache(client.base_url, credentials.username or "token")
        vocab, _ = load_vocabularies(client, cache)
        if channel is not None and channel not in vocab.channels:
            vocab, _ = load_vocabularies(client, cache, refresh=True)
            if channel not in vocab.channels:
                yours = ", ".join(sorted(vocab.channels))
                raise ConfigError(f"--channel {channel!r} is not one of yours ({yours})")
        videos = fetch_videos(client, channel, parallelism, lambda d, t: ui.items("videos", d, t))
        text = render_manifest(
            videos, vocab, system=system, channel=channel, instance_url=client.base_url
        )
    if output is None:
        out(text.rstrip("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        err(f"Wrote {len(videos)} video(s) to {output}; check it with: ptsync plan {output}")
    return EXIT_OK


@app.command()
def status(
    paths: Paths = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
    rate_limit: RateLimit = None,
    insecure_http: InsecureHttp = False,
) -> int:
    """Import and processing state of the manifest's videos; exit 1 when any failed."""
    options = _options(insecure_http=insecure_http, rate_limit=rate_limit)
    with Run(paths, options) as run:
        doc = status_document(run.status())
    out(json.dumps(doc, indent=2) if format is Format.json else render_status(doc))
    return EXIT_ERROR if doc["failed"] else EXIT_OK


@app.command()
def validate(paths: Paths = None) -> int:
    """Check manifests offline: structure, PeerTube's limits, ids, files."""
    from ptsync.manifest import load

    mset = load(paths or ["manifests/"])
    videos = sum(len(g.videos) for g in mset.groups)
    err(f"OK: {len(mset.files)} file(s), {videos} video(s) in {len(mset.groups)} group(s)")
    return EXIT_OK


@app.command()
def schema() -> int:
    """Print the manifest's JSON Schema (for editors and CI)."""
    from ptsync.manifest import json_schema

    out(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


@app.command()
def demo(
    manifest: Annotated[Path, typer.Argument(help="Manifest to demo.")] = Path(
        "manifests/example.yaml"
    ),
) -> int:
    """Plan, apply and re-plan a manifest against a bundled fake PeerTube."""
    from ptsync.cli.demo import run_demo

    return run_demo(manifest)


def main(argv: list[str] | None = None) -> int:
    code = EXIT_ERROR

    def exit_with(value: int) -> None:
        nonlocal code
        code = value

    with handle_errors(exit_with):
        try:
            result = app(args=argv, prog_name="ptsync", standalone_mode=False)
        except typer.Exit as exc:
            return int(getattr(exc, "exit_code", 0) or 0)
        except typer.Abort:
            raise KeyboardInterrupt from None
        except typer.TyperException as exc:  # usage errors: 1, so that 2 only means "changes"
            show = getattr(exc, "show", None)
            if show is not None:
                show()
            else:
                err(f"Error: {exc}")
            return EXIT_ERROR
        return result if isinstance(result, int) else EXIT_OK
    return code
