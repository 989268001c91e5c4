"""Issue 13 items 12 and 13: a file without ``instance:`` among several falls back to
PEERTUBE_URL; the exported ``$schema`` line names a file ``ptsync schema -o`` writes; the
pre-commit hook checks the whole manifest set."""

from __future__ import annotations

import json
import shlex

import jsonschema
from ruamel.yaml import YAML

from ptsync.manifest import json_schema
from ptsync.testing import FakePeerTube
from tests.cli.conftest import ROOT, import_entries
from tests.fakeenv import PASSWORD, USER
from tests.integration.conftest import marked_videos


def test_a_file_without_instance_uses_peertube_url_beside_a_named_one(
    fake, manifest, cli, monkeypatch
):
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as prod:
        prod.add_user(USER, PASSWORD)
        monkeypatch.setenv("PEERTUBE_URL__PROD", prod.url)
        manifest("instance: {name: prod}\n" + import_entries(1, "p"), name="prod.yaml")
        path = manifest(import_entries(1, "d"), name="default.yaml")
        result = cli("apply", str(path.parent), "--auto-approve", "--no-wait")
        assert result.code == 0, result.text
        assert list(marked_videos(prod)) == ["p00"]
        assert list(marked_videos(fake)) == ["d00"]  # PEERTUBE_URL's instance


def test_schema_o_writes_the_file_the_exported_manifest_names(fake, cli, tmp_path):
    fake.add_video(USER, name="Existing lecture")
    target = tmp_path / "manifests" / "exported.yaml"
    target.parent.mkdir()
    result = cli("export", "--system", "nisv", "-o", str(target))
    assert result.code == 0, result.text
    first = target.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=ptsync.schema.json"
    schema_file = target.parent / "ptsync.schema.json"  # relative to the manifest, as editors do
    hint = next(line for line in result.err.splitlines() if "ptsync schema -o" in line)
    command = shlex.split(hint.split(": ", 1)[1])
    assert command[:3] == ["ptsync", "schema", "-o"] and command[3] == str(schema_file)
    assert cli(*command[1:]).code == 0
    written = json.loads(schema_file.read_text())
    assert written == json_schema()
    jsonschema.Draft202012Validator.check_schema(written)
    assert cli("validate", str(target.parent)).code == 0  # the schema file is not a manifest
    again = cli("export", "--system", "nisv", "-o", str(target))
    assert "ptsync schema -o" not in again.err  # it exists now: no hint


def test_pre_commit_hook_validates_the_whole_manifest_set(manifest, cli, tmp_path, monkeypatch):
    (hook,) = YAML(typ="safe", pure=True).load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["pass_filenames"] is False and hook["entry"] == "ptsync validate"
    manifest(import_entries(1, "a"), name="a.yaml")
    manifest(import_entries(1, "a"), name="b.yaml")  # the same id in another file
    monkeypatch.chdir(tmp_path)
    result = cli(*shlex.split(hook["entry"])[1:])  # as pre-commit runs it: no file names
    assert result.code == 1 and "a00" in result.err
