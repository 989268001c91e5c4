"""Small builders for desired and live values, so plan tests read like the scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ptsync.fields import LIST_FIELDS, normalise
from ptsync.marker import Marker
from ptsync.plan.changes import Plan
from ptsync.plan.labels import labels_for
from ptsync.plan.match import Matching
from ptsync.plan.videos import PlanOptions, plan_videos
from ptsync.sourceref import SourceRef
from ptsync.state import (
    CaptionFile,
    DesiredState,
    DesiredVideo,
    FileSource,
    LiveVideo,
    LocalFile,
    Rule,
    RuleMatch,
    UrlSource,
    Vocabularies,
)

SYSTEM = "nisv"
_counter = iter(range(1, 1_000_000))


def ref(path: str = "videos[0]", line: int = 1) -> SourceRef:
    return SourceRef("manifests/test.yaml", line, 5, path)


def desired_video(
    external_id: str,
    *,
    url: str | None = None,
    file: str | None = None,
    uuid: str | None = None,
    defaults: dict[str, Any] | None = None,
    thumbnail: str | None = None,
    captions: dict[str, str] | None = None,
    allow_duplicate: bool = False,
    takeover: bool = False,
    **fields: Any,
) -> DesiredVideo:
    source: UrlSource | FileSource | None = None
    if url:
        source = UrlSource(url)
    elif file:
        source = FileSource(Path(file), 1234, "f" * 10)
    merged = {**(defaults or {}), **fields}
    refs = {k: ref(f"defaults.{k}") for k in defaults or {}}
    refs.update({k: ref(f"videos[0].{k}") for k in fields})
    return DesiredVideo(
        external_id=external_id,
        ref=ref(),
        fields=merged,
        field_refs=refs,
        source=source,
        uuid=uuid,
        allow_duplicate=allow_duplicate,
        takeover=takeover,
        thumbnail=LocalFile(Path(thumbnail), "t" + thumbnail[:9].ljust(9, "0"))
        if thumbnail
        else None,
        captions=(
            tuple(CaptionFile(lang, Path(p), p[:10].ljust(10, "0")) for lang, p in captions.items())
            if captions is not None
            else None
        ),
    )


def desired_state(*videos: DesiredVideo, rules: tuple[Rule, ...] = ()) -> DesiredState:
    return DesiredState(
        instance_url="https://videos.example.org",
        system=SYSTEM,
        videos={v.external_id: v for v in videos},
        rules=rules,
    )


def rule(set_fields: dict[str, Any], **match: Any) -> Rule:
    return Rule(RuleMatch(**match), set_fields, ref("rules[0]"))


def live_video(
    *,
    external_id: str | None = None,
    system: str = SYSTEM,
    annotations: dict[str, str] | None = None,
    marker_at_start: bool = True,
    detailed: bool = False,
    uuid: str | None = None,
    text: str | None = None,
    **fields: Any,
) -> LiveVideo:
    n = next(_counter)
    values: dict[str, Any] = {
        "name": "Video",
        "channel": "alice_channel",
        "privacy": 1,
        "category": None,
        "licence": None,
        "language": None,
        "nsfw": False,
        "waitTranscoding": False,
        "originallyPublishedAt": None,
        "description": text,
    }
    if detailed:
        values.update(tags=(), support=None, commentsPolicy=1, downloadEnabled=True)
    values.update(fields)
    values = {
        k: (normalise(k, v) if k in LIST_FIELDS or detailed else v) for k, v in values.items()
    }
    marker = Marker(system, external_id, annotations or {}) if external_id else None
    return LiveVideo(
        id=n,
        uuid=uuid or f"00000000-0000-4000-8000-{n:012d}",
        short_uuid=f"short{n}",
        url=f"https://videos.example.org/w/{n}",
        name=values["name"],
        channel=values["channel"],
        updated_at=f"2026-01-01T00:00:{n % 60:02d}.000Z",
        state=1,
        state_label="Published",
        marker=marker,
        marker_at_start=marker_at_start if marker else False,
        fields=values,
        detailed=detailed,
    )


def build_plan(
    desired: DesiredState,
    matching: Matching,
    options: PlanOptions | None = None,
    vocab: Vocabularies | None = None,
) -> Plan:
    """The plan of the videos alone, built as ``ptsync.planner`` builds it (no resources,
    no version or quota notices): what the pure video planning tests look at."""
    videos = plan_videos(desired, matching, options or PlanOptions())
    return Plan(
        instance_url=desired.instance_url,
        system=desired.system,
        changes=videos.changes,
        unchanged=videos.unchanged,
        notices=videos.notices,
        labels=labels_for(vocab),
        managed_total=videos.managed_total,
        rule_matched=videos.rule_matched,
    )
