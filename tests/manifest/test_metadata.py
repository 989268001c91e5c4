"""Issue 15 in the manifest: chapters, publishAt, passwords, lifecycle and takeover are
validated offline where possible (each problem on its line), resolved into the desired state,
written back by ``ptsync forget``, and described by the JSON Schema."""

from __future__ import annotations

import textwrap
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from ptsync import passwords as pw
from ptsync.errors import ManifestError
from ptsync.manifest import json_schema, load, resolve_group
from ptsync.manifest.writeback import forget
from ptsync.plan.match import match
from ptsync.plan.videos import PlanOptions
from ptsync.state import Chapter, Lifecycle, LiveState, Schedule, Vocabularies
from tests.manifest.test_problems import problems
from tests.plan.factories import build_plan, live_video

HEAD = "apiVersion: ptsync/v1\nsystem: nisv\n"
U1 = "9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11"
VOCAB = Vocabularies(
    categories={15: "Science & Technology"},
    licences={1: "Attribution"},
    languages={"en": "English"},
    privacies={1: "Public", 2: "Unlisted", 3: "Private", 4: "Internal", 5: "Password protected"},
    channels={"main": 7},
)


def write(folder: Path, body: str) -> Path:
    path = folder / "m.yaml"
    path.write_text(HEAD + textwrap.dedent(body))
    return path


def resolve(folder: Path, body: str, env: dict[str, str] | None = None):
    (group,) = load([str(write(folder, body))]).groups
    return resolve_group(group, VOCAB, instance_url="https://v.example.org", env=env or {})


def test_all_four_keys_resolve(tmp_path: Path) -> None:
    state = resolve(
        tmp_path,
        f"""\
        defaults: {{privacy: Public}}
        videos:
          - id: lec
            uuid: {U1}
            chapters:
              - {{at: "00:00", title: Intro}}
              - {{at: 12:30, title: "  Q&A "}}
              - {{at: "1:02:03", title: Late}}
              - {{at: 4000, title: Later}}
            publishAt: 2027-01-15T09:00:00+01:00
            publishPrivacy: unlisted
            takeover: true
          - id: pw
            uuid: 5e1f0000-0000-4000-8000-000000000001
            privacy: Password protected
            passwords: {{env: LECTURE_PASSWORDS}}
          - id: gone
            lifecycle: unmanaged
            passwords: {{env: NOT_SET_ANYWHERE}}
        """,
        env={"LECTURE_PASSWORDS": "one-secret\ntwo-secret\n"},
    )
    lec, prot, gone = (state.videos[k] for k in ("lec", "pw", "gone"))
    assert lec.chapters == (
        Chapter(0, "Intro"),
        Chapter(750, "Q&A"),
        Chapter(3723, "Late"),
        Chapter(4000, "Later"),
    )
    assert lec.schedule == Schedule("2027-01-15T08:00:00.000Z", 2) and lec.takeover
    assert lec.fields["privacy"] == 3  # Private until publishAt, not the inherited Public
    assert lec.field_refs["privacy"].path == "videos[0].publishAt"  # its own: rules keep off
    assert prot.passwords is not None and prot.passwords.env == "LECTURE_PASSWORDS"
    assert prot.passwords.digest == pw.digest(["two-secret", "one-secret"])
    assert "one-secret" not in repr(prot)  # neither values nor digest in reprs or logs
    assert gone.lifecycle is Lifecycle.UNMANAGED and gone.passwords is None


@pytest.mark.parametrize(
    ("chapters", "expected"),
    [
        (
            '[{at: "12:30", title: B}, {at: "05:00", title: A}]',
            "chapters must be in order: 05:00 comes after 12:30",
        ),
        ('[{at: 60, title: A}, {at: "1:00", title: B}]', "two chapters start at 01:00"),
        (
            '[{at: "1:75", title: A}]',
            "expected a time (MM:SS or H:MM:SS) or seconds, got text '1:75'",
        ),
        ("[{at: -5, title: A}]", "must be 0 or more (got -5)"),
        ('[{at: "00:00", title: "   "}]', "title must be 1-100 characters"),
        (f'[{{at: "00:00", title: {"x" * 101}}}]', "at most 100 characters"),
        ('[{at: "00:00"}]', "required key 'title' is missing"),
    ],
)
def test_chapters_are_checked_offline_on_their_line(
    tmp_path: Path, chapters: str, expected: str
) -> None:
    path = write(
        tmp_path,
        f"""\
        videos:
          - id: a
            uuid: {U1}
            chapters: {chapters}
        """,
    )
    (found,) = problems(path)
    assert found.startswith("6:") and "videos[0].chapters[" in found and expected in found, found


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("publishAt: 2027-01-15T09:00:00", "give a date, a time and a time zone"),
        ("publishAt: 2027-01-15", "give a date, a time and a time zone"),
        ("publishAt: 2027-02-30T09:00:00Z", "is not a date"),
        ("publishPrivacy: Unlisted", "publishPrivacy needs publishAt"),
        ("publishAt: 2027-01-15T09:00:00Z\n    publishPrivacy: 3", "Public, Unlisted or Internal"),
        ("passwords: {env: 'not a name'}", "an environment variable name"),
        ("passwords: secret-in-the-file", "expected a mapping"),
        ("lifecycle: orphan", "must be 'managed' or 'unmanaged'"),
        ("takeover: 'yes'", "expected true or false"),
    ],
)
def test_schedule_passwords_lifecycle_checked_offline(
    tmp_path: Path, lines: str, expected: str
) -> None:
    path = write(tmp_path, f"videos:\n  - id: a\n    uuid: {U1}\n    {lines}\n")
    found = problems(path)
    assert any(expected in p for p in found), found


def test_an_unmanaged_entry_needs_no_source(tmp_path: Path) -> None:
    load([str(write(tmp_path, "videos:\n  - {id: a, lifecycle: unmanaged}\n"))])
    with pytest.raises(ManifestError, match=r"needs source\.url, source\.file or a pinned uuid"):
        load([str(write(tmp_path, "videos:\n  - {id: a}\n"))])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("passwords: {env: PW}", "passwords need `privacy: Password protected`"),
        ("privacy: Public\n    publishAt: 2027-01-15T09:00:00Z", "already has that privacy before"),
        (
            "publishAt: 2027-01-15T09:00:00Z\n    publishPrivacy: Private",
            "Public, Unlisted or Internal",
        ),
    ],
)
def test_resolve_problems_name_the_key(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ManifestError) as info:
        resolve(
            tmp_path, f"videos:\n  - id: a\n    uuid: {U1}\n    {body}\n", env={"PW": "ok-pass"}
        )
    assert expected in str(info.value) and "m.yaml:" in str(info.value), str(info.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "environment variable PW is not set"),
        ({"PW": " , "}, "$PW holds no password"),
        ({"PW": "ok-pass,x"}, "$PW: password 2 has 1 characters; PeerTube needs 2-99"),
        ({"PW": "same-1\nsame-1"}, "$PW holds the same password twice"),
        ({"PW": "ok-pass," + "y" * 100}, "password 2 has 100 characters"),
    ],
)
def test_an_unusable_password_variable_fails_the_plan_not_the_resolve(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    """``status`` and releases need no passwords; a plan of the video does, and says why,
    on the ``passwords.env`` line, never showing a password."""
    body = f"videos:\n  - id: a\n    uuid: {U1}\n    privacy: 5\n    passwords: {{env: PW}}\n"
    state = resolve(tmp_path, body, env=env)
    ref = state.videos["a"].passwords
    assert ref is not None and ref.digest is None and expected in (ref.problem or "")
    video = live_video(uuid=U1, name="A", privacy=5)
    with pytest.raises(ManifestError) as info:
        build_plan(state, match(state, LiveState((video,))), PlanOptions(now=0))
    text = str(info.value)
    assert "m.yaml:7:" in text and "passwords.env" in text and expected in text, text
    assert not [p for v in env.values() for p in pw.split(v) if len(p) > 1 and p in text]


def test_rules_cannot_make_videos_password_protected(tmp_path: Path) -> None:
    body = "rules:\n  - match: {all: true}\n    set: {privacy: 5}\nvideos: []\n"
    with pytest.raises(ManifestError, match="rules cannot make videos password protected"):
        resolve(tmp_path, body)


def test_passwords_split_by_lines_or_commas() -> None:
    assert pw.split("a1,b2 , c3") == ["a1", "b2", "c3"]
    assert pw.split("with, comma\nsecond\r\n\n") == ["with, comma", "second"]


# ------------------------------------------------------------------------------- forget


def test_forget_marks_entries_unmanaged_and_touches_nothing_else(tmp_path: Path) -> None:
    original = HEAD + textwrap.dedent(
        f"""\
        videos:
          # a comment that must stay
          - id: block
            uuid: {U1}
            name:   "Spaced  value"
          - {{id: flow, uuid: 5e1f0000-0000-4000-8000-000000000001}}
          - id: explicit
            lifecycle: "managed"
            uuid: 5e1f0000-0000-4000-8000-000000000002
          - id: kept
            uuid: 5e1f0000-0000-4000-8000-000000000003
        """
    )
    path = tmp_path / "m.yaml"
    path.write_text(original)
    assert forget([str(path)], ["block", "flow", "explicit"]) == {str(path): 3}
    text = path.read_text()
    data = YAML(typ="safe").load(text)
    assert [v.get("lifecycle") for v in data["videos"]] == ["unmanaged"] * 3 + [None]
    assert "  - id: block\n    lifecycle: unmanaged\n" in text
    assert "  - {lifecycle: unmanaged, id: flow, uuid:" in text
    assert 'name:   "Spaced  value"' in text and "# a comment that must stay" in text
    removed = [line for line in original.splitlines() if line not in text.splitlines()]
    assert removed == [
        "  - {id: flow, uuid: 5e1f0000-0000-4000-8000-000000000001}",
        '    lifecycle: "managed"',
    ]
    assert forget([str(path)], ["block"]) == {}  # already unmanaged: nothing to write


def test_forget_an_unknown_id_changes_no_file(tmp_path: Path) -> None:
    path = write(tmp_path, f"videos:\n  - {{id: lecture-1, uuid: {U1}}}\n")
    before = path.read_text()
    with pytest.raises(
        ManifestError, match=r"no manifest entry has id 'lecture-2'.*did you mean 'lecture-1'"
    ):
        forget([str(path)], ["lecture-1", "lecture-2"])
    assert path.read_text() == before


# ------------------------------------------------------------------------------- schema


def test_the_schema_describes_the_new_keys() -> None:
    schema = json_schema()
    entry = schema["$defs"]["VideoEntry"]["properties"]
    for key in ("chapters", "publishAt", "publishPrivacy", "passwords", "lifecycle", "takeover"):
        assert entry[key].get("description"), key
    sample = {
        "apiVersion": "ptsync/v1",
        "system": "nisv",
        "videos": [
            {
                "id": "a",
                "uuid": U1,
                "chapters": [{"at": "00:00", "title": "Intro"}, {"at": 750, "title": "Q&A"}],
                "publishAt": "2027-01-15T09:00:00+01:00",
                "passwords": {"env": "LECTURE_PASSWORDS"},
                "lifecycle": "unmanaged",
                "takeover": True,
            }
        ],
    }
    jsonschema.validate(sample, schema)
    bad = {**sample, "videos": [{"id": "a", "chapters": [{"at": "12:3", "title": "x"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
