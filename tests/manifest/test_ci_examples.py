"""Issue 12 item 5: the CI examples users copy leak no token and let exit codes through pipes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PIPE = re.compile(r"(?<![|])\|(?![|])")  # a shell pipe, not ||


def _load(name: str) -> Any:
    return YAML(typ="safe", pure=True).load((EXAMPLES / name).read_text())


def _github_scripts(doc: Any) -> list[tuple[str, str, bool]]:
    """(job/step, script, shell already sets pipefail) for every run step."""
    out = []
    for job_name, job in doc["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                shell = step.get("shell", job.get("defaults", {}).get("run", {}).get("shell"))
                # GitHub runs `bash -e {0}` by default; only an explicit `shell: bash` adds pipefail
                out.append(
                    (
                        f"{job_name}/{step.get('name', step['run'][:30])}",
                        step["run"],
                        shell == "bash",
                    )
                )
    return out


def _gitlab_scripts(doc: Any) -> list[tuple[str, str, bool]]:
    out = []
    for job_name, job in doc.items():
        if isinstance(job, dict) and "script" in job:
            lines = [*doc.get("before_script", []), *job.get("before_script", []), *job["script"]]
            out.append((job_name, "\n".join(lines), False))
    return out


SCRIPTS = [
    *(("github-actions.yml", *s) for s in _github_scripts(_load("github-actions.yml"))),
    *(("gitlab-ci.yml", *s) for s in _gitlab_scripts(_load("gitlab-ci.yml"))),
]


@pytest.mark.parametrize(
    ("file", "where", "script", "pipefail"),
    SCRIPTS,
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_every_job_that_pipes_keeps_the_exit_code(
    file: str, where: str, script: str, pipefail: bool
) -> None:
    for number, line in enumerate(script.splitlines()):
        code = line.split("#", 1)[0]
        if not PIPE.search(code):
            continue
        before = "\n".join(script.splitlines()[:number])
        captured = "PIPESTATUS" in script
        assert pipefail or "set -o pipefail" in before or captured, (
            f"{file} {where}: {line.strip()!r} pipes without pipefail: the job sees the last "
            "command's exit status, so `--detailed-exitcode` 2 passes unnoticed"
        )


def test_gitlab_does_not_put_the_token_cache_in_the_shared_ci_cache() -> None:
    doc = _load("gitlab-ci.yml")
    cache_dir = doc.get("variables", {}).get("PTSYNC_CACHE_DIR")
    caches = [
        doc.get("cache", {}),
        *(j.get("cache", {}) for j in doc.values() if isinstance(j, dict)),
    ]
    paths = [p for c in caches for p in (c.get("paths", []) if isinstance(c, dict) else [])]
    assert not any("ptsync" in p for p in paths), paths
    if cache_dir:
        assert not any(cache_dir.endswith(p.rstrip("/")) for p in paths)
    text = (EXAMPLES / "gitlab-ci.yml").read_text()
    assert "OAuth token" in text  # the example says why, and what it caches instead
