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

Only ptsync's own markup (``**field**``, ``<br>``, table pipes) stays markup.
"""

from __future__ import annotations

import re
from typing import Any

from ptsync.plan.changes import (
    Action,
    ChannelChange,
    CreateVideo,
    DeleteVideo,
    Plan,
    PlaylistChange,
    UpdateVideo,
    VideoChange,
)
from ptsync.render.values import show, summary_line

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
    if not s.has_changes:
        out += [f"**No changes.** {s.unchanged} videos match the manifest."]
    else:
        out += [f"**{summary_line(s.create, s.update, s.delete, s.unchanged)}**", ""]
        out += ["| Action | Video | Changes |", "|---|---|---|"]
        out += [_row(change, plan) for change in plan.videos]
        out += [_resource_row(r) for r in plan.resources]
    if plan.notices:
        out += ["", "**Notices**", ""]
        out += [f"- ⚠️ {text(n.message)}" for n in plan.notices]
    return "\n".join(out) + "\n"


def _row(change: VideoChange, plan: Plan) -> str:
    return f"| {_ICON[change.action]} | {_title(change)} | {_what(change, plan)} |"


def _resource_row(change: ChannelChange | PlaylistChange) -> str:
    what = [f"{text(c.field)} → {text(c.new)}" for c in change.changes]
    what += [text(op) for op in change.ops]
    title = f"{text(change.resource)} {code(change.key)}"
    return f"| {_ICON[change.action]} | {title} | {'; '.join(what)} |"


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
        return f"{what} ({text(change.reason)})" if change.reason else what
    if isinstance(change, UpdateVideo):
        labels = plan.labels
        return "<br>".join(
            f"**{text(c.field)}**: {text(show(c.field, c.old, labels))} → "
            f"{text(show(c.field, c.new, labels))}"
            for c in change.changes
        )
    assert isinstance(change, DeleteVideo)
    return text(change.reason)
