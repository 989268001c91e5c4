"""A plan as GitHub/GitLab-flavoured markdown, for pull-request comments and job summaries.

Every value that comes from a manifest, the instance or a server answer (names, ids, tags,
descriptions, file names, URLs, labels, error texts) is written as literal text: a video named
``<img src=x onerror=alert(1)>**bold** [link](http://evil) | pipe`` must show exactly that in
the comment, not an image, bold text, a link or a broken table. Two ways, by where it goes:

- ``text``: HTML's ``& < >`` as entities, markdown's punctuation behind a backslash (emphasis,
  code, links and images, tables, strikethrough, math, bare-URL and e-mail autolinks), newlines
  as spaces (a cell or a list item is one line);
- ``code``: a code span, fenced with more backticks than the value holds (HTML and markdown
  are literal inside), ``|`` escaped for tables, newlines as spaces.

Only ptsync's own markup (``**field**``, ``<br>``, table pipes) stays markup. A long or
multi-line text change goes below the table in a fenced ``diff`` block (literal whatever it
holds: the fence outgrows any backtick run): ``-`` and ``+`` lines, which forges colour, the
changed words inside marked ``[-old-]`` and ``{+new+}`` (``render.textdiff``), long lines
wrapped at ``PLAIN_WIDTH`` so no change hides behind a horizontal scroll bar.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from ptsync.plan.changes import (
    Action,
    CreateVideo,
    DeleteVideo,
    Plan,
    ResourceChange,
    UpdateVideo,
    VideoChange,
)
from ptsync.render.metadata_lines import field_lines
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

_ICON = {Action.CREATE: "➕ create", Action.UPDATE: "✏️ update", Action.DELETE: "🗑️ delete"}
_PUNCTUATION = re.compile(r"([\\`*_\[\]|~$:@!])")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)  # GitHub links a bare www.example.org
_BACKTICKS = re.compile(r"`+")


def text(value: Any) -> str:
    """``value`` as literal inline text: no HTML, no markdown, one line, safe in a table."""
    flat = " ".join(str(value).splitlines())
    escaped = _WWW.sub(r"\1\\.", _PUNCTUATION.sub(r"\\\1", flat))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code(value: Any) -> str:
    """``value`` as a code span (literal whatever it holds), safe in a table cell."""
    flat = " ".join(str(value).splitlines()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def render_markdown(plan: Plan) -> str:
    s = plan.summary
    out = [f"### ptsync plan: {code(plan.system)} on {code(plan.instance_url)}", ""]
    attention = attention_line(len(plan.needs_attention)).replace("(marked !)", "(⚠️ below)")
    if not s.has_changes:
        out += [f"**No changes.** {unchanged_line(s.unchanged)}{attention}"]
    else:
        out += [f"**{summary_line(s.create, s.update, s.delete, s.unchanged)}**{attention}", ""]
        out += ["| Action | Video | Changes |", "|---|---|---|"]
        out += [_row(change, plan) for change in plan.videos]
        out += [_resource_row(r, plan) for r in plan.resources]
        out += _diffs(plan)
    if plan.notices:
        out += ["", "**Notices**", ""]
        out += [f"- ⚠️ {text(n.message)}" for n in plan.notices]
    return "\n".join(out) + "\n"


def _row(change: VideoChange, plan: Plan) -> str:
    released = isinstance(change, UpdateVideo) and change.release
    icon = "✏️ release" if released else _ICON[change.action]
    return f"| {icon} | {_title(change)} | {_what(change, plan)} |"


def _special(field: str, old: Any, new: Any) -> str | None:
    """Chapters and passwords (``render.metadata_lines``) in one cell: lines joined by ``<br>``."""
    lines = field_lines(field, old, new)
    if lines is None:
        return None
    head, *rest = lines
    name, _, value = head.partition(":")
    cell = f"**{text(name)}**:{text(value)}" if value.strip() else f"**{text(name)}**:"
    return "<br>".join([cell, *(text(line) for line in rest)])


def _resource_row(change: ResourceChange, plan: Plan) -> str:
    what = []
    for c in change.changes:
        key = label_field(change.resource, c.field)
        new = text(show(key, c.new, plan.labels))
        if change.action is Action.UPDATE and _diffed(c.field, c.old, c.new):
            what.append(f"**{text(c.field)}**: see the diff below")
        elif change.action is Action.UPDATE:
            what.append(f"**{text(c.field)}**: {text(show(key, c.old, plan.labels))} → {new}")
        else:
            what.append(f"**{text(c.field)}**: {new}")
    what += [text(op) for op in change.ops]
    title = f"{text(change.resource)} {code(change.key)}"
    return f"| {_ICON[change.action]} | {title} | {'; '.join(what)} |"


def _diffed(field: str, old: Any, new: Any) -> bool:
    """Long and multi-line texts are shown as a diff below the table (a cell holds one line)."""
    return diffed(field, old, new) and bool(text_diff(old, new))


def _diffs(plan: Plan) -> list[str]:
    """One fenced ``diff`` block per changed long text."""
    out: list[str] = []
    for change in plan.changes:
        if not isinstance(change, UpdateVideo | ResourceChange):
            continue
        for c in change.changes:
            if change.action is Action.UPDATE and _diffed(c.field, c.old, c.new):
                title = f"{text(change.resource)} {code(change.key)}"
                lines = diff_lines(text_diff(c.old, c.new))
                out += ["", f"{title}, **{text(c.field)}**:", "", *fence(lines)]
    return out


def diff_lines(hunks: list[Hunk], width: int = PLAIN_WIDTH) -> list[str]:
    """A unified diff: ``@@`` headers, `` `` context, ``-`` old and ``+`` new lines with the
    changed words marked; a line longer than ``width`` continues on lines of the same sign."""
    out: list[str] = []
    for hunk in hunks:
        out.append(hunk.header)
        for part in hunk.parts:
            if not part.changed:
                out += _wrapped(" ", "".join(p.text for p in part.pieces), width)
                continue
            for sign, kind, op in (("-", Kind.DELETED, "insert"), ("+", Kind.INSERTED, "delete")):
                if part.op != op:
                    out += _wrapped(sign, _side(part.pieces, kind), width)
    return out


def _side(pieces: tuple[Piece, ...], kind: Kind) -> str:
    """The old (``DELETED``) or new (``INSERTED``) text of a changed part, its words marked."""
    return "".join(marked(p) for p in pieces if p.kind in (Kind.SAME, kind))


def _wrapped(sign: str, body: str, width: int) -> list[str]:
    """Each line of ``body`` behind ``sign``; one wider than ``width`` continues on rows of the
    same sign indented two spaces (as the text plan wraps)."""
    out = []
    for line in body.split("\n"):
        first, *rest = textwrap.wrap(
            line,
            width - 1,
            subsequent_indent="  ",
            expand_tabs=False,
            replace_whitespace=False,
            break_on_hyphens=False,
        ) or [""]
        out += [sign + first, *(sign + row for row in rest)]
    return out


def fence(lines: list[str], info: str = "diff") -> list[str]:
    """A fenced code block holding ``lines`` literally (the fence outgrows any backtick run)."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    marks = "`" * max(3, longest + 1)
    return [f"{marks}{info}", *lines, marks]


def _title(change: VideoChange) -> str:
    if isinstance(change, CreateVideo):
        return f"{code(change.external_id)} {text(change.fields.get('name', ''))}"
    if isinstance(change, UpdateVideo):
        return f"{code(change.external_id or change.uuid)} {text(change.name)}"
    assert isinstance(change, DeleteVideo)
    return f"{code(change.external_id)} {text(change.name)}"


def _what(change: VideoChange, plan: Plan) -> str:
    if isinstance(change, CreateVideo):
        what = f"{text(change.method)} from {code(change.source)}"
        if change.mirror:
            what += f", mirror of {code(change.mirror)}"
        return f"{what} ({text(change.reason)})" if change.reason else what
    if isinstance(change, UpdateVideo):
        labels = plan.labels
        return "<br>".join(
            _special(c.field, c.old, c.new)
            or (
                f"**{text(c.field)}**: see the diff below"
                if _diffed(c.field, c.old, c.new)
                else f"**{text(c.field)}**: {text(show(c.field, c.old, labels))} → "
                f"{text(show(c.field, c.new, labels))}"
            )
            for c in change.changes
        )
    assert isinstance(change, DeleteVideo)
    return text(change.reason)
