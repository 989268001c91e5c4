"""Files published in the repository stay true: schema in sync, examples valid, hooks runnable."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from ptsync.cli.app import main
from ptsync.manifest import json_schema
from ptsync.manifest.yamldoc import parse

ROOT = Path(__file__).resolve().parents[1]


def test_published_schema_matches_ptsync_schema() -> None:
    published = json.loads((ROOT / "schema" / "ptsync.schema.json").read_text())
    assert published == json_schema(), "run: ptsync schema > schema/ptsync.schema.json"


def test_schema_prints_and_describes_limits(capsys) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    text = json.dumps(schema)
    assert "3-120 characters" in text and "Up to 5 tags" in text


@pytest.mark.parametrize("path", sorted((ROOT / "manifests").glob("*.yaml")), ids=lambda p: p.name)
def test_example_manifests_validate_against_schema_and_start_with_the_schema_comment(path) -> None:
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    jsonschema.validate(parse(text).data, json_schema())  # as editors read it: YAML 1.2
    assert main(["validate", str(path)]) == 0


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_are_yaml_and_use_ptsync_commands_that_exist(name) -> None:
    text = (ROOT / "examples" / name).read_text()
    YAML(typ="safe", pure=True).load(text)
    for needle in ("ptsync plan", "--detailed-exitcode", "ptsync apply", "--auto-approve"):
        assert needle in text
    assert main(["plan", "--help"]) == 0


def test_pre_commit_hook_runs_validate() -> None:
    hooks = YAML(typ="safe", pure=True).load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"] == "ptsync validate"
