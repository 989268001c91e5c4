"""Terraform-like text plan: ``+`` create, ``~`` update (old → new), ``-`` delete, a summary.

Values are shown whole; a long or multi-line text change is a diff with the changed words
marked ``[-old-]{+new+}`` (``render.textdiff``). Lines are wrapped at ``width`` with their
continuation indented, so nothing runs off a terminal. Colour only when asked (the CLI asks on
a TTY without NO_COLOR / TERM=dumb), so files and CI logs never get escape codes; the markers
are there with or without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import StringIO
from typing import Any

from rich.console import Console
from rich.text import Text

from ptsync.fields import VIDEO_FIELDS
from ptsync.plan.changes import (
    Action,
    Change,
    CreateVideo,
    DeleteVideo,
    MatchedBy,
    Notice,
    Plan,
    ResourceChange,
    UpdateVideo,
    VideoChange,
)
from ptsync.render.metadata_lines import create_lines, field_lines, update_verb
from ptsync.render.textdiff import Hunk, Kind, Piece, marked, text_diff
from ptsync.render.values import (
    PLAIN_WIDTH,
    attention_line,
    diffed,
    label_field,
    show,
    summary_line,
    unchanged_line,
)

_STYLE = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red"}
_SIGN = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
_DIFF_STYLE = {"-": "red", "+": "green", "@": "cyan"}
_WORD_STYLE = {Kind.DELETED: "bold red", Kind.INSERTED: "bold green"}
BLOCK_LINES = 10  # a created text shows this many lines
DIFF_INDENT = " " * 8
HANG = 2  # a wrapped line continues this much further in


def render_text(plan: Plan, *, color: bool = False, width: int = PLAIN_WIDTH) -> str:
    lines: list[Text] = [
        Text(f"ptsync plan for {plan.instance_url} (system {plan.system})"),
        Text(),
    ]
    for change in plan.videos:
        lines.extend(_change_lines(change, plan, width))
        lines.append(Text())
    for resource in plan.resources:
        lines.extend(_resource_lines(resource, plan, width))
        lines.append(Text())
    for notice in plan.notices:
        lines.append(_notice_line(notice))
    if plan.notices:
        lines.append(Text())
    lines.append(_summary(plan))
    return _to_string(lines, color, width)


def _resource_lines(change: ResourceChange, plan: Plan, width: int) -> list[Text]:
    style = _STYLE[change.action]
    sign = _SIGN[change.action]
    head = Text(f"  {sign} {change.action} {change.resource} ", style=f"bold {style}")
    head.append(change.key, style="bold")
    body: list[Text] = []
    for c in change.changes:
        key = label_field(change.resource, c.field)
        if change.action is Action.UPDATE:
            body += _field_change(c.field, c.old, c.new, plan.labels, key, width)
        else:
            body += _field_value(c.field, c.new, plan.labels, key)
    body += [Text(f"      {op}") for op in change.ops]
    return [head, *body]


def _field_change(
    name: str,
    old: Any,
    new: Any,
    labels: Mapping[str, Mapping[str, str]],
    key: str | None = None,
    width: int = PLAIN_WIDTH,
) -> list[Text]:
    """``name: old → new`` (whole values), or for a long text the diff of its lines."""
    special = field_lines(name, old, new)  # chapters, passwords (render.metadata_lines)
    if special is not None:
        return [Text(f"      {special[0]}"), *(_diff_line(line) for line in special[1:])]
    hunks = text_diff(old, new) if diffed(name, old, new) else []
    if hunks:
        return [Text(f"      {name}:"), *diff_texts(hunks)]
    # whole values (texts differing only in a final newline too: the quotes show it); when
    # they do not fit one line, the new value goes under the old one, aligned with it
    before, after = show(key or name, old, labels), show(key or name, new, labels)
    line = Text(f"      {name}: {before} → {after}")
    if line.cell_len <= width:
        return [line]
    return [Text(f"      {name}: {before}"), Text(" " * (len(name) + 6) + f"→ {after}")]


def diff_texts(hunks: list[Hunk]) -> list[Text]:
    """Hunks as ``git diff --word-diff`` shows them: header, then the lines (no -/+ column),
    changed words between markers, coloured when colour is on."""
    out: list[Text] = []
    for hunk in hunks:
        out.append(Text(DIFF_INDENT + hunk.header, style=_DIFF_STYLE["@"]))
        body = Text("\n").join(_part_text(part.pieces) for part in hunk.parts)
        out += [Text(DIFF_INDENT).append_text(line) for line in body.split("\n", allow_blank=True)]
    return out


def _part_text(pieces: tuple[Piece, ...]) -> Text:
    text = Text()
    for piece in pieces:
        text.append(marked(piece), style=_WORD_STYLE.get(piece.kind, ""))
    return text


def _diff_line(line: str) -> Text:
    return Text(f"        {line}", style=_DIFF_STYLE.get(line[:1], ""))


def _field_value(
    name: str, value: Any, labels: Mapping[str, Mapping[str, str]], key: str | None = None
) -> list[Text]:
    """``name = value``; a text of several lines as an indented block (first lines only)."""
    if not (isinstance(value, str) and "\n" in value):
        return [Text(f"      {name} = {show(key or name, value, labels)}")]
    text_lines = value.splitlines()
    block = [Text(f"      {name} = |")]
    block += [Text(f"        {line}".rstrip()) for line in text_lines[:BLOCK_LINES]]
    if len(text_lines) > BLOCK_LINES:
        more = len(text_lines) - BLOCK_LINES
        block.append(Text(f"        … ({more} more line{'s' if more != 1 else ''})", style="dim"))
    return block


def _to_string(lines: list[Text], color: bool, width: int) -> str:
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,  # wrapped here, with indented continuations
    )
    for line in lines:
        for row in wrap(line, console, width):
            console.print(row)
    return buffer.getvalue()


def wrap(line: Text, console: Console, width: int) -> list[Text]:
    """``line`` in rows of at most ``width`` cells, each continuation indented ``HANG`` more
    than the line (words kept whole unless one is wider than a row); trailing blanks go."""
    line.rstrip()
    if line.cell_len <= width:
        return [line]
    plain = line.plain
    indent = len(plain) - len(plain.lstrip(" "))
    room = max(width - indent - HANG, 20)
    rows = line[indent:].wrap(console, room, overflow="fold")
    first, *rest = rows
    out = [Text(" " * indent).append_text(first)]
    out += [Text(" " * (indent + HANG)).append_text(row) for row in rest]
    for row in out:
        row.rstrip()
    return out


def _header(change: Change, title: str, detail: str, verb: str | None = None) -> Text:
    style = _STYLE[change.action]
    text = Text(f"  {_SIGN[change.action]} {verb or change.action} ", style=f"bold {style}")
    text.append(title, style="bold")
    if detail:
        text.append(f"  {detail}")
    return text


_ORDER = {name: i for i, name in enumerate(VIDEO_FIELDS)}


def _change_lines(change: VideoChange, plan: Plan, width: int) -> list[Text]:
    if isinstance(change, CreateVideo):
        mirror = f", mirror of {change.mirror}" if change.mirror else ""
        head = _header(change, change.external_id, f"({change.method} {change.source}{mirror})")
        body = [
            line
            for name, value in sorted(change.fields.items(), key=lambda kv: _ORDER.get(kv[0], 99))
            for line in _field_value(name, value, plan.labels)
        ]
        body += (
            [Text(f"      thumbnail = file {change.thumbnail.digest}")] if change.thumbnail else []
        )
        body += [Text(f"      captions.{c.language} = file {c.digest}") for c in change.captions]
        body += [Text(f"      {line}") for line in create_lines(change, plan.labels)]
        if change.reason:
            body.insert(0, Text(f"      # {change.reason}", style="dim"))
        return [head, *body]
    if isinstance(change, UpdateVideo):
        verb = update_verb(change)
        if change.external_id is None:  # an unlisted video a rule changes: one uuid, once
            head = _header(change, change.uuid, f'"{change.name}" (by a rule)', verb)
        else:
            quiet = change.matched_by is MatchedBy.MARKER
            how = "" if quiet else f", matched by {change.matched_by}"
            detail = f'"{change.name}" ({change.uuid}{how})'
            head = _header(change, change.external_id, detail, verb)
        body = [
            line
            for c in change.changes
            for line in _field_change(c.field, c.old, c.new, plan.labels, width=width)
        ]
        return [head, *body]
    assert isinstance(change, DeleteVideo)
    if change.duplicate_of:  # the kept copy's uuid on its own line
        head = _header(change, change.external_id, f'"{change.name}" ({change.uuid})')
        return [head, Text(f"      duplicate of {change.duplicate_of}, which is kept")]
    detail = f'"{change.name}" ({change.uuid}): {change.reason}'
    return [_header(change, change.external_id, detail)]


def _notice_line(notice: Notice) -> Text:
    where = f"{notice.ref}: " if notice.ref and notice.ref.line else ""
    return Text(f"  ! {where}{notice.message}", style="magenta")


def _summary(plan: Plan) -> Text:
    s = plan.summary
    attention = attention_line(len(plan.needs_attention))
    if not s.has_changes:
        style = "bold yellow" if attention else "bold green"
        return Text(f"No changes. {unchanged_line(s.unchanged)}{attention}", style=style)
    return Text(summary_line(s.create, s.update, s.delete, s.unchanged) + attention, style="bold")
