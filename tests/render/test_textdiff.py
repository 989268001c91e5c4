"""Issue 20 item 2: every change a reviewer approves is visible in the plan.

Names and other short values whole (a name changed at its 61st character was two identical cut
values); a small edit in a long text as a diff with context lines and the changed words marked
like ``git diff --word-diff``, not the whole text twice; lines wrapped at the width without
losing a word of a change; colour only on a terminal; JSON with the whole values.
"""

from __future__ import annotations

import difflib
import json
import random
import re

from ptsync.marker import Marker
from ptsync.plan.changes import FieldChange, Plan, UpdateChannel, UpdatePlaylist, UpdateVideo
from ptsync.render import Format, render_plans
from ptsync.render.textdiff import CONTEXT_LINES, marked, text_diff

UUID = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
WORDS = "the archive holds footage of a landing with its crew and their families in colour"


def _words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS.split()) for _ in range(count))


def _plan(*changes: FieldChange, name: str = "Lecture") -> Plan:
    update = UpdateVideo(UUID, name, "2026-01-01T00:00:00.000Z", changes, external_id="lec")
    return Plan("https://videos.example.org", "nisv", (update,))


def _flat(text: str) -> str:
    """Rows joined again: wrapping only ever breaks at spaces or inside an over-long word."""
    return " ".join(text.split())


def test_a_name_changed_after_its_60th_character_shows_both_names_whole():
    old = "Lecture 7 of the autumn course on orbital mechanics, held in a 1969 lecture hall"
    new = old[:61] + "1970 lecture hall"
    assert len(old) > 61 and old[:60] == new[:60]
    plan = _plan(FieldChange("name", old, new), name=old)
    wide = render_plans([plan], Format.text, width=300)
    assert f'      name: "{old}" → "{new}"\n' in wide
    narrow = render_plans([plan], Format.text, width=80)  # old above new, aligned
    assert f'name: "{old}"' in _flat(narrow) and f'→ "{new}"' in _flat(narrow)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    markdown = render_plans([plan], Format.markdown)
    assert f'**name**: "{old}" → "{new}"' in markdown
    assert "…" not in wide + narrow + markdown


def test_a_small_edit_in_a_9000_character_description_is_one_short_marked_line():
    old = _words(2000, seed=1)[:9000]
    cut = old.index(" ", 6000)
    new = old[:cut] + " (sound restored in 2021)" + old[cut:]  # 23 characters and a space
    plan = _plan(FieldChange("description", old, new))
    text = render_plans([plan], Format.text)
    section = text.split("      description:\n", 1)[1].split("\n\nPlan:", 1)[0]
    assert section.startswith("        @@ -1 +1 @@\n")
    assert len(section) < 300, section  # not the 9 000 characters, twice
    assert " in {+(sound restored in 2021) +}its of " in _flat(section)
    assert section.count("{+") == 1 and "[-" not in section
    assert section.count("…") == 2  # the unchanged text around it shortened on both sides

    markdown = render_plans([plan], Format.markdown)
    block = markdown.split("```diff\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert block[0] == "@@ -1 +1 @@" and len("\n".join(block)) < 600
    assert block[1].startswith("-…") and "{+" not in block[1] and "[-" not in block[1]
    assert block[2].startswith("+…") and "(sound restored in 2021)" in block[2]

    doc = json.loads(render_plans([plan], Format.json))
    (change,) = doc["plans"][0]["changes"][0]["changes"]
    assert (change["old"], change["new"]) == (old, new)  # JSON: whole values


def test_an_edit_deep_in_a_long_multi_line_text_shows_its_lines_with_context():
    lines = [f"Paragraph {i}: {_words(12, seed=i)}." for i in range(120)]
    old = "\n".join(lines)
    new = "\n".join([*lines[:60], lines[60].replace("Paragraph 60", "Chapter 60"), *lines[61:]])
    text = render_plans([_plan(FieldChange("description", old, new))], Format.text)
    assert (
        "      description:\n"
        "        @@ -59,5 +59,5 @@\n"
        f"        {lines[58]}\n"
        f"        {lines[59]}\n"
        f"        [-Paragraph-]{{+Chapter+}} 60: {lines[60].split(': ', 1)[1]}\n"
        f"        {lines[61]}\n"
        f"        {lines[62]}\n"
    ) in text


def test_hunk_ranges_are_difflibs_and_whole_lines_are_marked_blank_ones_too():
    old = "one\n\ntwo\nthree\nfour\nfive\nsix\nseven"
    new = "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine"
    hunks = text_diff(old, new)
    diff = difflib.unified_diff(old.split("\n"), new.split("\n"), n=CONTEXT_LINES)
    expected = [h for h in diff if h[:2] == "@@"]
    assert [h.header for h in hunks] == [h.strip() for h in expected]
    shown = ["\n".join("".join(marked(p) for p in part.pieces) for part in h.parts) for h in hunks]
    assert shown == ["one\n[--]\ntwo\nthree", "six\nseven\n{+eight+}\n{+nine+}"]


def test_a_rewritten_text_is_replaced_whole_not_shredded():
    (hunk,) = text_diff("The quick brown fox jumps", "A completely different sentence here")
    (part,) = hunk.parts
    assert "".join(marked(p) for p in part.pieces) == (
        "[-The quick brown fox jumps-]{+A completely different sentence here+}"
    )


def test_neighbouring_word_changes_join_into_one_marked_run():
    (hunk,) = text_diff("shot on a reel in 1969 by", "shot on film stock in 1969 by")
    (part,) = hunk.parts
    assert "".join(marked(p) for p in part.pieces) == (
        "shot on [-a reel-]{+film stock+} in 1969 by"  # not [-a-]{+film+} [-reel-]{+stock+}
    )
    (hunk,) = text_diff("shot on 16 mm reel in", "shot on 35 mm film in")
    assert "".join(marked(p) for p in hunk.parts[0].pieces) == (
        "shot on [-16-]{+35+} mm [-reel-]{+film+} in"
    )


def test_every_row_fits_the_width_and_no_word_of_a_change_is_lost():
    inserted = _words(120, seed=7)  # a long insertion: shown whole, over many rows
    old = _words(300, seed=3)
    new = old[:700] + " " + inserted + old[700:]
    channel = UpdateChannel("lectures", (FieldChange("description", old, new),))
    playlist = UpdatePlaylist(
        "best",
        "5e1f0000-0000-4000-8000-000000000001",
        {},
        Marker("nisv", "best"),
        changes=(FieldChange("description", old, new),),
    )
    plan = Plan("https://videos.example.org", "nisv", (channel, playlist))
    for width in (50, 72, 100):
        text = render_plans([plan], Format.text, width=width)
        assert max(len(line) for line in text.splitlines()) <= width
        assert text.count("{+") == 2 and _flat(inserted) in _flat(text)
    markdown = render_plans([plan], Format.markdown)
    for block in re.findall(r"```diff\n(.*?)\n```", markdown, re.S):
        assert max(len(line) for line in block.splitlines()) <= 100
        added = [line[1:] for line in block.splitlines() if line.startswith("+")]
        assert _flat(inserted) in _flat(" ".join(added))


def test_changed_words_are_coloured_only_on_a_terminal():
    plan = _plan(FieldChange("description", "a\nshot on 16 mm", "a\nshot on 35 mm"))
    plain = render_plans([plan], Format.text)
    assert "shot on [-16-]{+35+} mm" in plain and "\x1b[" not in plain
    coloured = render_plans([plan], Format.text, color=True)
    assert "\x1b[1;31m[-16-]\x1b[0m\x1b[1;32m{+35+}\x1b[0m" in coloured


def test_scattered_edits_in_a_very_long_line_are_each_marked_on_their_own():
    """Long blocks are compared chunk by chunk (cut where the words say, so an edit moves no
    boundary elsewhere), then word by word inside the chunks that changed."""
    rng = random.Random(5)
    vocabulary = [f"w{rng.randrange(10**6)}" for _ in range(3000)] + ["the", "of", "a"] * 300
    words = [rng.choice(vocabulary) for _ in range(10_000)]
    new = list(words)
    for at, word in ((1_000, "FIRST"), (5_000, "SECOND"), (9_000, "THIRD")):
        new[at] = word
    (hunk,) = text_diff(" ".join(words), " ".join(new))
    shown = "".join(marked(p) for part in hunk.parts for p in part.pieces)
    assert shown.count("[-") == 3 and shown.count("{+") == 3
    assert "{+FIRST+}" in shown and "{+SECOND+}" in shown and "{+THIRD+}" in shown
    assert len(shown) < 700  # 10 000 words, not shown: only the words around each edit
