"""Issue 12 item 5: a hostile name, tag or description shows as text in a PR comment.

The markdown is rendered to HTML the way a forge does (CommonMark + GFM tables and
strikethrough, raw HTML allowed through, as GitHub's renderer would pass it to its sanitiser):
the hostile values must come out as the same literal text, with no element of their own, and
every table row keeps its three cells. A long or multi-line text is a fenced ``diff`` block
(issue 20 item 2): whatever the text holds (fences, HTML, markdown), the block shows exactly
the diff's lines and ends where ptsync ends it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from ptsync.marker import Marker
from ptsync.plan.changes import (
    CreateMethod,
    CreateVideo,
    DeleteVideo,
    FieldChange,
    Notice,
    NoticeKind,
    Plan,
    UpdateVideo,
)
from ptsync.render.markdown import code, diff_lines, render_markdown, text
from ptsync.render.textdiff import text_diff
from ptsync.render.values import show
from ptsync.sourceref import SourceRef

NAME = (
    "<img src=x onerror=alert(1)>**bold** [link](http://evil) | pipe `tick` _em_ ~~del~~ "
    "$x^2$ www.evil.org a@b.org\nsecond line"
)
TAG = "<script>alert(1)</script>"
DESCRIPTION = "[click](javascript:alert(1)) ![img](http://evil/x.png) <a href=x>a</a> &amp; \\*"
SOURCE = "https://evil.example/a.mp4?q=<b>x</b>|`y`"
UUID = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
OURS = {"table", "thead", "tbody", "tr", "th", "td", "h3", "p", "strong", "code", "br", "ul", "li"}
OURS |= {"pre"}  # the fenced diff blocks
LONG = "\n".join(
    [
        "Intro line that stays.",
        "```",
        "~~~ <img src=x onerror=alert(1)> [link](http://evil)",
        "````` still inside",
        "- a list? no: literal | pipe",
        "Closing line that stays.",
    ]
)


def hostile_plan() -> Plan:
    create = CreateVideo(
        external_id="a1",
        method=CreateMethod.IMPORT,
        source=SOURCE,
        source_digest="0" * 10,
        fields={"name": NAME, "tags": [TAG], "description": DESCRIPTION},
        marker=Marker("nisv", "a1"),
        ref=SourceRef("m.yaml", 1, 1),
    )
    update = UpdateVideo(
        uuid=UUID,
        name=NAME,
        updated_at="2024-01-01T00:00:00.000Z",
        changes=(
            FieldChange("name", "Old name", NAME),
            FieldChange("tags", ["ok"], [TAG]),
            FieldChange("description", "Old", DESCRIPTION),
            FieldChange("support", LONG.replace("alert(1)", "alert(2)"), LONG),
        ),
        external_id="b2",
    )
    delete = DeleteVideo(uuid=UUID, name=TAG, updated_at="x", external_id="c3")
    notice = Notice(NoticeKind.POSSIBLE_DUPLICATE, f"not creating {NAME}: exists")
    return Plan("https://v.example.org", "nisv", (create, update, delete), notices=(notice,))


class _Html(HTMLParser):
    """Elements met, and the text of each table row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self.strong: list[str] = []
        self.blocks: list[str] = []
        self._where: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
        if tag != "br":
            self._where.append(tag)
        if tag == "strong":
            self.strong.append("")
        if tag == "pre":
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if self._where and self._where[-1] == tag:
            self._where.pop()

    def handle_data(self, data: str) -> None:
        if "td" in self._where or "th" in self._where:
            self.rows[-1][-1] += data
        if "strong" in self._where:
            self.strong[-1] += data
        if "pre" in self._where:
            self.blocks[-1] += data

    def text(self) -> str:
        return " ".join(cell for row in self.rows for cell in row)


def forge_html(markdown: str) -> str:
    engine = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return engine.render(markdown)


def test_hostile_values_render_as_literal_text_in_a_pr_comment() -> None:
    markdown = render_markdown(hostile_plan())
    outside = re.sub(r"^(`{3,})diff$.*?^\1$", "", markdown, flags=re.S | re.M)
    assert "<img" not in outside and "<script" not in outside and "<a " not in outside
    page = _Html()
    page.feed(forge_html(markdown))
    assert set(page.tags) <= OURS, set(page.tags) - OURS  # no img, a, em, del, script...
    ours = {"name", "tags", "description", "support", "Notices"}
    assert all(s in ours or s.startswith("Plan:") for s in page.strong), page.strong
    assert [len(row) for row in page.rows] == [3, 3, 3, 3]  # header + 3 changes: pipes held
    assert page.blocks == [  # the forge shows each diff exactly, the fences held
        "\n".join(diff_lines(text_diff("Old name", NAME))) + "\n",
        "\n".join(diff_lines(text_diff(LONG.replace("alert(1)", "alert(2)"), LONG))) + "\n",
    ]
    assert "+{+<img src=x onerror=alert(1)>**bold**" in page.blocks[0]
    assert "-~~~ <img src=x onerror=alert([-2-])> [link](http://evil)" in page.blocks[1]
    assert "+~~~ <img src=x onerror=alert({+1+})> [link](http://evil)" in page.blocks[1]
    shown = page.text()
    flat_name = NAME.replace("\n", " ")
    assert f"a1 {flat_name}" in shown and f"b2 {flat_name}" in shown
    assert f"c3 {TAG}" in shown and f"import from {SOURCE}" in shown
    for field, value in (("tags", [TAG]), ("description", DESCRIPTION)):
        assert show(field, value, {}) in shown
    assert "name: see the diff below" in shown and "support: see the diff below" in shown
    notice = re.search(r"<li>(.*)</li>", forge_html(markdown), re.S)
    assert notice is not None and "<img" not in notice.group(1)


def test_text_neutralises_what_github_would_link_outside_code() -> None:
    """Bare URLs, www. hosts and e-mail addresses are linked by GitHub (not by markdown-it)."""
    escaped = text("see http://evil.org, www.evil.org or a@evil.org")
    assert escaped == "see http\\://evil.org, www\\.evil.org or a\\@evil.org"


def test_code_spans_hold_any_backticks_and_pipes() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b\nc") == "`a\\|b c`"
    html = forge_html(f"| a |\n|---|\n| {code('x|`y`<b>')} |\n")
    assert "<code>x|`y`&lt;b&gt;</code>" in html
