"""One run, several instances: each group planned against its own URL and credentials."""

from __future__ import annotations

from ptsync.testing import FakePeerTube
from tests.integration.conftest import marked_videos

BODY = """apiVersion: ptsync/v1
instance: {{name: {name}}}
system: nisv
videos:
  - id: {name}-1
    source: {{url: https://archive.example.org/{name}.mp4}}
    name: Video for {name}
"""


def test_each_instance_uses_its_own_url_and_credentials(tmp_path, monkeypatch, cli):
    folder = tmp_path / "manifests"
    folder.mkdir()
    with (
        FakePeerTube(rate_limit=None, login_rate_limit=None) as prod,
        FakePeerTube(rate_limit=None, login_rate_limit=None) as staging,
    ):
        prod.add_user("pat", "prod-pw-123")
        staging.add_user("sam", "staging-pw-456")
        for name, fake, user, pw in (
            ("prod", prod, "pat", "prod-pw-123"),
            ("staging", staging, "sam", "staging-pw-456"),
        ):
            (folder / f"{name}.yaml").write_text(BODY.format(name=name))
            monkeypatch.setenv(f"PEERTUBE_URL__{name.upper()}", fake.url)
            monkeypatch.setenv(f"PEERTUBE_USERNAME__{name.upper()}", user)
            monkeypatch.setenv(f"PEERTUBE_PASSWORD__{name.upper()}", pw)
        for key in ("PEERTUBE_URL", "PEERTUBE_USERNAME", "PEERTUBE_PASSWORD", "PEERTUBE_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        plan = cli("plan", str(folder))
        assert plan.code == 0, plan.err
        assert prod.url in plan.out and staging.url in plan.out
        assert cli("apply", str(folder), "--auto-approve", "--no-wait").code == 0
        assert list(marked_videos(prod)) == ["prod-1"]
        assert list(marked_videos(staging)) == ["staging-1"]
        assert {r.username for r in prod.requests if r.username} == {"pat"}
        assert {r.username for r in staging.requests if r.username} == {"sam"}
        assert "No changes." in cli("plan", str(folder)).out


def test_missing_credentials_for_a_named_instance_is_a_clear_error(tmp_path, monkeypatch, cli):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "prod.yaml").write_text(BODY.format(name="prod"))
    for key in (
        "PEERTUBE_USERNAME",
        "PEERTUBE_PASSWORD",
        "PEERTUBE_TOKEN",
        "PEERTUBE_USERNAME__PROD",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PEERTUBE_URL__PROD", "http://127.0.0.1:9")
    result = cli("plan", str(folder))
    assert result.code == 1 and "PEERTUBE_USERNAME__PROD" in result.err
    assert "Traceback" not in result.err
