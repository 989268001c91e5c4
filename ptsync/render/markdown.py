"""A plan as GitHub/GitLab-flavoured markdown, for pull-request comments and job summaries."""

from __future__ import annotations

from ptsync.plan.changes import Change, CreateVideo, DeleteVideo, Plan, UpdateVideo
from ptsync.render.values import show, summary_line

_ICON = {"create": "➕ create", "update": "✏️ update", "delete": "🗑️ delete"}


def render_markdown(plan: Plan) -> str:
    s = plan.summary
    out = [f"### ptsync plan: `{plan.system}` on {plan.instance_url}", ""]
    if not s.has_changes:
        out += [f"**No changes.** {s.unchanged} videos match the manifest."]
    else:
        out += [f"**{summary_line(s.create, s.update, s.delete, s.unchanged)}**", ""]
        out += ["| Action | Video | Changes |", "|---|---|---|"]
        out += [_row(change, plan) for change in plan.changes]
        out += [
            f"| {_ICON[r.kind]} | {r.resource} `{r.key}` | "
            f"{_cell('; '.join([f'{c.field} → {c.new}' for c in r.changes] + list(r.ops)))} |"
            for r in plan.resources
        ]
    if plan.notices:
        out += ["", "**Notices**", ""]
        out += [f"- ⚠️ {_cell(n.message)}" for n in plan.notices]
    return "\n".join(out) + "\n"


def _row(change: Change, plan: Plan) -> str:
    return f"| {_ICON[change.kind]} | {_cell(_title(change))} | {_cell(_what(change, plan))} |"


def _title(change: Change) -> str:
    if isinstance(change, CreateVideo):
        return f"`{change.external_id}` {change.fields.get('name', '')}"
    if isinstance(change, UpdateVideo):
        return f"`{change.external_id or change.uuid}` {change.name}"
    assert isinstance(change, DeleteVideo)
    return f"`{change.external_id}` {change.name}"


def _what(change: Change, plan: Plan) -> str:
    if isinstance(change, CreateVideo):
        text = f"{change.method} from `{change.source}`"
        return f"{text} ({change.reason})" if change.reason else text
    if isinstance(change, UpdateVideo):
        labels = plan.labels
        return "<br>".join(
            f"**{c.field}**: {show(c.field, c.old, labels)} → {show(c.field, c.new, labels)}"
            for c in change.changes
        )
    assert isinstance(change, DeleteVideo)
    return change.reason


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
