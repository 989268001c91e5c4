"""Terraform-like text plan: ``+`` create, ``~`` update (old → new), ``-`` delete, a summary.

Colour only when asked (the CLI asks on a TTY without NO_COLOR / TERM=dumb), so files and CI
logs never get escape codes.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.text import Text

from ptsync.fields import VIDEO_FIELDS
from ptsync.plan.changes import (
    Action,
    Change,
    ChannelChange,
    CreateVideo,
    DeleteVideo,
    MatchedBy,
    Notice,
    Plan,
    PlaylistChange,
    UpdateVideo,
    VideoChange,
)
from ptsync.render.values import show, summary_line

_STYLE = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red"}
_SIGN = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}


def render_text(plan: Plan, *, color: bool = False) -> str:
    lines: list[Text] = [
        Text(f"ptsync plan for {plan.instance_url} (system {plan.system})"),
        Text(),
    ]
    for change in plan.videos:
        lines.extend(_change_lines(change, plan))
        lines.append(Text())
    for resource in plan.resources:
        lines.extend(_resource_lines(resource))
        lines.append(Text())
    for notice in plan.notices:
        lines.append(_notice_line(notice))
    if plan.notices:
        lines.append(Text())
    lines.append(_summary(plan))
    return _to_string(lines, color)


def _resource_lines(change: ChannelChange | PlaylistChange) -> list[Text]:
    style = _STYLE[change.action]
    sign = _SIGN[change.action]
    head = Text(f"  {sign} {change.action} {change.resource} ", style=f"bold {style}")
    head.append(change.key, style="bold")
    body = [
        Text(f"      {c.field}: {show(c.field, c.old, {})} → {show(c.field, c.new, {})}")
        if change.action is Action.UPDATE
        else Text(f"      {c.field} = {show(c.field, c.new, {})}")
        for c in change.changes
    ]
    body += [Text(f"      {op}") for op in change.ops]
    return [head, *body]


def _to_string(lines: list[Text], color: bool) -> str:
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=10_000,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
    )
    for line in lines:
        console.print(line)
    return buffer.getvalue()


def _header(change: Change, title: str, detail: str, verb: str | None = None) -> Text:
    style = _STYLE[change.action]
    text = Text(f"  {_SIGN[change.action]} {verb or change.action} ", style=f"bold {style}")
    text.append(title, style="bold")
    if detail:
        text.append(f"  {detail}")
    return text


_ORDER = {name: i for i, name in enumerate(VIDEO_FIELDS)}


def _change_lines(change: VideoChange, plan: Plan) -> list[Text]:
    if isinstance(change, CreateVideo):
        head = _header(change, change.external_id, f"({change.method} {change.source})")
        body = [
            Text(f"      {name} = {show(name, value, plan.labels)}")
            for name, value in sorted(change.fields.items(), key=lambda kv: _ORDER.get(kv[0], 99))
        ]
        body += (
            [Text(f"      thumbnail = file {change.thumbnail.digest}")] if change.thumbnail else []
        )
        body += [Text(f"      captions.{c.language} = file {c.digest}") for c in change.captions]
        if change.reason:
            body.insert(0, Text(f"      # {change.reason}", style="dim"))
        return [head, *body]
    if isinstance(change, UpdateVideo):
        title = change.external_id or f"{change.uuid} (rule)"
        quiet = change.matched_by in (MatchedBy.MARKER, MatchedBy.RULE)
        how = "" if quiet else f", matched by {change.matched_by}"
        verb = "retry import" if change.retry_import is not None else None
        head = _header(change, title, f'"{change.name}" ({change.uuid}{how})', verb)
        body = [
            Text(
                f"      {c.field}: {show(c.field, c.old, plan.labels)} → "
                f"{show(c.field, c.new, plan.labels)}"
            )
            for c in change.changes
        ]
        return [head, *body]
    assert isinstance(change, DeleteVideo)
    detail = f'"{change.name}" ({change.uuid}): {change.reason}'
    return [_header(change, change.external_id, detail)]


def _notice_line(notice: Notice) -> Text:
    where = f"{notice.ref}: " if notice.ref and notice.ref.line else ""
    return Text(f"  ! {where}{notice.message}", style="magenta")


def _summary(plan: Plan) -> Text:
    s = plan.summary
    if not s.has_changes:
        return Text(f"No changes. {s.unchanged} videos match the manifest.", style="bold green")
    return Text(summary_line(s.create, s.update, s.delete, s.unchanged), style="bold")
