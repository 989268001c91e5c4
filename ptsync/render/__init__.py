"""Plan renderers: text (Terraform-like), json (documented), markdown (pull requests)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from ptsync.plan.changes import Plan
from ptsync.render.json import render_json
from ptsync.render.markdown import render_markdown
from ptsync.render.text import render_text


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def render_plans(plans: Sequence[Plan], fmt: Format, *, color: bool = False) -> str:
    if fmt is Format.json:
        return render_json(list(plans))
    if fmt is Format.markdown:
        return "\n".join(render_markdown(p) for p in plans)
    return "\n".join(render_text(p, color=color) for p in plans)
