"""Plan renderers: text (Terraform-like), json (documented), markdown (pull requests).

Importing this package is cheap (the CLI reads ``Format`` at start-up); each renderer, and
rich with the text one, is imported when a plan is rendered in its format.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ptsync.plan.changes import Plan


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def render_plans(
    plans: Sequence[Plan], fmt: Format, *, color: bool = False, width: int | None = None
) -> str:
    """``width`` (text only): None is the terminal's width on a terminal, else a fixed one."""
    if fmt is Format.json:
        from ptsync.render.json import render_json

        return render_json(list(plans))
    if fmt is Format.markdown:
        from ptsync.render.markdown import render_markdown

        return "\n".join(render_markdown(p) for p in plans)
    from ptsync.render.text import render_text
    from ptsync.render.values import output_width

    width = width or output_width()
    return "\n".join(render_text(p, color=color, width=width) for p in plans)
