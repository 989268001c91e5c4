"""Terraform-like text plan: ``+`` create, ``~`` update (old → new), ``-`` delete, a summary.

Colour only when asked (the CLI asks on a TTY without NO_COLOR / TERM=dumb), so files and CI
logs never get escape codes.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.text import Text

from ptsync.fields import VIDEO_FIELDS
from ptsync.plan.changes import Change, CreateVideo, DeleteVideo, Notice, Plan, UpdateVideo
from ptsync.plan.resources import ResourceChange
from ptsync.render.values import show, summary_line

_STYLE = {"create": "green", "update": "yellow", "delete": "red"}
_SIGN = {"create": "+", "update": "~", "delete": "-"}


def render_text(plan: Plan, *, color: bool = False) -> str:
    lines: list[Text] = [
        Text(f"ptsync plan for {plan.instance_url} (system {plan.system})"),
        Text(),
    ]
    for change in plan.changes:
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


def _resource_lines(change: ResourceChange) -> list[Text]:
    style = _STYLE[change.kind]
    head = Text(f"  {_SIGN[change.kind]} {change.kind} {change.resource} ", style=f"bold {style}")
    head.append(change.key, style="bold")
    body = [
        Text(f"      {c.field}: {show(c.field, c.old, {})} → {show(c.field, c.new, {})}")
        if change.kind == "update"
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


def _header(change: Change, title: str, detail: str) -> Text:
    style = _STYLE[change.kind]
    text = Text(f"  {_SIGN[change.kind]} {change.kind} ", style=f"bold {style}")
    text.append(title, style="bold")
    if detail:
        text.append(f"  {detail}")
    return text


_ORDER = {name: i for i, name in enumerate(VIDEO_FIELDS)}


def _change_lines(change: Change, plan: Plan) -> list[Text]:
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
        how = "" if change.matched_by in ("marker", "rule") else f", matched by {change.matched_by}"
        head = _header(change, title, f'"{change.name}" ({change.uuid}{how})')
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
