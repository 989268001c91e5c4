"""Golden tests for the rendered plan: what reviewers read in CI logs and pull requests.

The sample holds the cases reviewers trip over: a long name changed past its 60th character
(shown whole), a multi-line description edited in one word (a diff with context and the word
marked), a playlist's and a channel's texts. Regenerate after an intended change with:
PTSYNC_UPDATE_GOLDEN=1 pytest tests/render
"""

import dataclasses
import json
import os
from pathlib import Path

import pytest

from ptsync.marker import Marker
from ptsync.plan.changes import FieldChange, UpdateChannel, UpdatePlaylist
from ptsync.plan.codec import plan_from_dict, plan_to_dict
from ptsync.plan.match import match
from ptsync.plan.videos import PlanOptions
from ptsync.render import Format, render_plans
from ptsync.state import LiveState, Vocabularies
from tests.plan.factories import build_plan, desired_state, desired_video, live_video

GOLDEN = Path(__file__).parent / "golden"
VOCAB = Vocabularies(
    categories={2: "Films", 15: "Science & Technology"},
    licences={1: "Attribution", 2: "Attribution - Share Alike"},
    languages={"en": "English", "nl": "Dutch"},
    privacies={1: "Public", 2: "Unlisted", 3: "Private"},
)


LONG_NAME = "Lecture 7 of the autumn course on orbital mechanics, recorded in 1969 lecture hall B"
DESCRIPTION = """\
Archive footage of the Apollo 11 landing.

Digitised from the original 16 mm reel.
Sound restored in 2019 by the archive's own team, from the optical track of the copy.
With thanks to the families of the crew, who lent their home movies to the archive."""


def sample_plan():
    changed = live_video(
        external_id="lecture-7",
        name="Lecture 7",
        category=2,
        privacy=3,
        uuid="9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11",
    )
    described = live_video(
        external_id="moon",
        name=LONG_NAME,
        text=DESCRIPTION.replace("16 mm reel", "35 mm reel"),
        uuid="2dc19fbc-c9ac-4ab4-95dd-4fdfb8708985",
    )
    same = live_video(external_id="same", name="Same")
    gone = live_video(
        external_id="old-1", name="Old | pipe", uuid="5e1f0000-0000-4000-8000-000000000001"
    )
    desired = desired_state(
        desired_video(
            "123abc",
            url="https://archive.example.org/123abc.mp4",
            name="Sample video",
            category=15,
            tags=["science", "archive"],
            privacy=1,
            language="nl",
        ),
        desired_video("lecture-7", name="Lecture 7", category=15, privacy=1),
        desired_video("same", name="Same"),
        desired_video("moon", name=LONG_NAME.replace("1969", "1970"), description=DESCRIPTION),
    )
    live = LiveState((changed, same, gone, described))
    plan = build_plan(desired, match(desired, live), PlanOptions(prune=True), VOCAB)
    texts = (FieldChange("description", "Recorded lectures.", "All recorded lectures."),)
    playlist = UpdatePlaylist(
        external_id="apollo",
        uuid="05797e80-11bf-4aa6-b479-56a94a2ca3cd",
        fields={},
        marker=Marker("nisv", "apollo"),
        changes=(FieldChange("description", DESCRIPTION, DESCRIPTION + "\nNow in colour."),),
        ops=("add moon",),
    )
    resources = (UpdateChannel("lectures", texts), playlist)
    return dataclasses.replace(plan, changes=(*plan.changes, *resources))


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PTSYNC_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("fmt,name", [(Format.text, "plan.txt"), (Format.markdown, "plan.md")])
def test_rendered_plan_matches_golden(fmt, name):
    check_golden(name, render_plans([sample_plan()], fmt))


def test_text_has_no_escape_codes_unless_colour_is_asked():
    plan = sample_plan()
    assert "\x1b[" not in render_plans([plan], Format.text)
    assert "\x1b[" in render_plans([plan], Format.text, color=True)


def test_no_changes_reads_no_changes():
    desired = desired_state(desired_video("same", name="Same"))
    plan = build_plan(
        desired, match(desired, LiveState((live_video(external_id="same", name="Same"),)))
    )
    assert "No changes. 1 video matches the manifest." in render_plans([plan], Format.text)


def test_json_is_documented_shape_and_round_trips():
    plan = sample_plan()
    doc = json.loads(render_plans([plan], Format.json))
    assert doc["format_version"] == 1
    assert doc["summary"] == {"create": 1, "update": 4, "delete": 1, "unchanged": 1}
    (only,) = doc["plans"]
    assert [c["action"] for c in only["changes"]] == ["create", "update", "update", "delete"]
    update = only["changes"][1]
    assert update["changes"] == [
        {"field": "privacy", "old": 3, "new": 1},
        {"field": "category", "old": 2, "new": 15},
    ]
    again = plan_from_dict(plan_to_dict(plan))
    assert again == plan
