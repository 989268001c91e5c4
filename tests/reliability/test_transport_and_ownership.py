"""Transport security (plain http refused before any request, TLS verified, CA bundle
honoured) and ownership (prune deletes only first-line marked videos of this system, the
deletion threshold, drift restored on managed fields only)."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from ptsync.cli.app import main
from ptsync.marker import Marker, compose_description, parse_description
from ptsync.testing import FakePeerTube
from tests.reliability.figures import add

USER, PASSWORD = "alice", "alice-secret-pw"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PEERTUBE_USERNAME", USER)
    monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    return monkeypatch


@pytest.fixture
def fake(env):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as server:
        server.add_user(USER, PASSWORD)
        env.setenv("PEERTUBE_URL", server.url)
        yield server


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def manifest(tmp_path: Path, body: str, name: str = "m.yaml") -> Path:
    path = tmp_path / name
    path.write_text("apiVersion: ptsync/v1\nsystem: nisv\n" + body)
    return path


def entry(ext_id: str, name: str | None = None, extra: str = "") -> str:
    url = f"https://archive.example.org/{ext_id}.mp4"
    return f"  - {{id: {ext_id}, source: {{url: '{url}'}}, name: {name or 'Video ' + ext_id}{extra}}}\n"


def marked(ext_id: str, text: str = "Text.", system: str = "nisv") -> str:
    return compose_description(Marker(system, ext_id), text)


# ---------------------------------------------------------------------------- plain http


@pytest.fixture
def no_network(monkeypatch):
    """Record (and refuse) any attempt to resolve a name or send a request."""
    attempts: list[str] = []

    def refuse_send(self, request, **kwargs):
        attempts.append(f"send {request.url}")
        raise AssertionError("a request was sent")

    def refuse_resolve(host, *args, **kwargs):
        attempts.append(f"resolve {host}")
        raise OSError("name resolution refused by the test")

    monkeypatch.setattr(requests.Session, "send", refuse_send)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_resolve)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "http://videos.example.org",
        "http://127.0.0.1.nip.io:9000",
        "http://localhost.example.org",
        "http://10.0.0.5:9000",
        "http://[fe80::1]:9000",
        "http://0x7f000001",
        "HTTP://videos.example.org/",
    ],
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    tmp_path, env, no_network, capsys, url
):
    env.setenv("PEERTUBE_URL", url)
    path = manifest(tmp_path, "videos: []\n")
    for command in (
        ["plan", str(path)],
        ["apply", str(path), "--auto-approve"],
        ["status", str(path)],
    ):
        code, _out, err = run(capsys, *command)
        assert code == 1, (command, err)
        assert "refusing plain http to" in err and "--insecure-http" in err, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert no_network == []


def test_plain_http_from_the_manifest_instance_url_is_refused_too(
    tmp_path, env, no_network, capsys
):
    env.delenv("PEERTUBE_URL", raising=False)
    path = manifest(tmp_path, "instance: {url: 'http://videos.example.org'}\nvideos: []\n")
    code, _, err = run(capsys, "plan", str(path))
    assert code == 1 and "refusing plain http to videos.example.org" in err
    assert no_network == []


def _non_loopback_ipv4() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent for UDP connect
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_plain_http_to_a_real_non_loopback_server_needs_insecure_http(tmp_path, env, capsys):
    address = _non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 address to bind the fake to")
    try:
        server = FakePeerTube(rate_limit=None, login_rate_limit=None, host=address).start()
    except OSError:
        pytest.skip(f"cannot bind {address}")
    try:
        server.add_user(USER, PASSWORD)
        env.setenv("PEERTUBE_URL", server.url)
        path = manifest(tmp_path, "videos: []\n")
        code, _, err = run(capsys, "plan", str(path))
        assert code == 1 and f"refusing plain http to {address}" in err
        assert server.requests == []
        code, _out, err = run(capsys, "plan", str(path), "--insecure-http")
        assert code == 0, err
        assert len(server.requests) > 0
    finally:
        server.stop()


def test_plain_http_to_loopback_names_is_allowed(tmp_path, fake, env, capsys):
    env.setenv("PEERTUBE_URL", fake.url.replace("127.0.0.1", "localhost"))
    code, _, err = run(capsys, "plan", str(manifest(tmp_path, "videos: []\n")))
    assert code == 0, err


# ---------------------------------------------------------------------------- TLS


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: with `cryptography` if installed, else the
    openssl command; skip the test when neither is available."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        if shutil.which("openssl") is None:
            pytest.skip("neither cryptography nor openssl can make a test certificate")
        done = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(key), "-out", str(cert)],
            capture_output=True,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.skip(f"openssl failed: {done.stderr[-200:]!r}")
        return cert, key
    import ipaddress

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@pytest.fixture
def tls_fake(tmp_path, fake, env):
    """The fake's application served over HTTPS with a self-signed certificate."""
    cert, key = _certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = make_server("127.0.0.1", 0, fake.app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    env.setenv("PEERTUBE_URL", f"https://127.0.0.1:{server.port}")
    try:
        yield fake, cert
    finally:
        server.shutdown()
        server.server_close()


def test_tls_is_verified_and_requests_ca_bundle_is_honoured(tmp_path, tls_fake, env, capsys):
    fake, cert = tls_fake
    path = manifest(tmp_path, "videos: []\n")
    fake.clear_requests()
    code, _, err = run(capsys, "plan", str(path))
    assert code == 1, err
    assert "TLS certificate verification failed" in err and "REQUESTS_CA_BUNDLE" in err
    code, _, err = run(capsys, "plan", str(path), "--insecure-http")  # not a TLS switch
    assert code == 1 and "TLS certificate verification failed" in err
    assert fake.requests == []  # no request got past the handshake
    env.setenv("REQUESTS_CA_BUNDLE", str(cert))
    code, _out, err = run(capsys, "plan", str(path))
    assert code == 0, err
    assert fake.count("GET", "/api/v1/users/me") >= 1


def test_missing_ca_bundle_file_is_a_clear_error(tmp_path, tls_fake, env, capsys):
    env.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing-ca.pem"))
    code, _, err = run(capsys, "plan", str(manifest(tmp_path, "videos: []\n")))
    assert code == 1 and "missing-ca.pem" in err and "hit a bug" not in err, err


# ---------------------------------------------------------------------------- ownership


def test_prune_deletes_only_videos_with_this_systems_first_line_marker(tmp_path, fake, capsys):
    ours = fake.add_video(USER, name="Ours", description=marked("x"))
    keep = {
        "Other system": marked("x", system="other"),
        "Similar system": marked("x", system="nisv2"),
        "Quoted marker": "See <!-- ptsync:nisv/y --> for how we tag videos.",
        "Second line": "Moved by hand\n<!-- ptsync:nisv/z -->",
        "Leading blank line": "\n" + marked("w"),
        "Lookalike": "<!--ptsync:nisv/v-->",
        "Nobody's": "plain",
        "Empty": "",
    }
    kept = {
        name: fake.video(fake.add_video(USER, name=name, description=text)["uuid"])
        for name, text in keep.items()
    }
    path = manifest(tmp_path, "videos: []\n")
    code, out, err = run(capsys, "apply", str(path), "--prune", "--force", "--auto-approve")
    assert code == 0, err
    assert "0 created, 0 updated, 1 deleted, 0 failed" in out
    assert fake.video(ours["uuid"]) is None
    for name, video in kept.items():
        now = fake.video(video["uuid"])
        assert now is not None, f"{name!r} was deleted"
        assert now == video, f"{name!r} was edited"
    assert "not on the first line" in out  # the notice explains why z was left alone
    add("prune ownership cases", len(keep) + 1)


def test_a_video_quoting_the_marker_never_displaces_the_owned_video(tmp_path, fake, capsys):
    quoting = fake.add_video(
        USER, name="How we tag", description="We tag like this: <!-- ptsync:nisv/zz --> ok."
    )
    quoting = fake.video(quoting["uuid"])
    ours = fake.add_video(USER, name="Video zz", description=marked("zz"))
    path = manifest(tmp_path, "videos:\n" + entry("zz"))
    code, _out, err = run(capsys, "apply", str(path), "--prune", "--force", "--auto-approve")
    assert code == 0, err
    assert fake.video(ours["uuid"]) is not None, "ptsync deleted its own video"
    assert fake.video(quoting["uuid"]) == quoting, "the quoting video was taken over"


def test_threshold_counts_only_videos_prune_may_delete(tmp_path, fake, capsys):
    fake.add_video(USER, name="Ours", description=marked("x"))
    for i in range(3):
        fake.add_video(USER, name=f"Quote {i}", description=f"Tag: <!-- ptsync:nisv/q{i} -->")
    code, _out, _err = run(capsys, "apply", str(manifest(tmp_path, "videos: []\n")), "--prune",
                         "--auto-approve", "--safety-min-existing", "1")  # fmt: skip
    assert code == 4, "deleted 1 of the 1 owned video without --force"


def _owned(fake: FakePeerTube, count: int) -> None:
    for i in range(count):
        fake.add_video(USER, name=f"Video v{i}", description=marked(f"v{i}"))


def test_safety_threshold_refuses_deleting_more_than_30_percent(tmp_path, fake, capsys):
    _owned(fake, 10)
    fake.add_video(USER, name="Not ours", description="plain")
    keep7 = manifest(tmp_path, "videos:\n" + "".join(entry(f"v{i}") for i in range(7)), "a.yaml")
    keep6 = manifest(tmp_path, "videos:\n" + "".join(entry(f"v{i}") for i in range(6)), "b.yaml")

    for command in ("plan", "apply"):
        extra = ["--auto-approve"] if command == "apply" else []
        code, out, err = run(capsys, command, str(keep6), "--prune", *extra)
        assert code == 4, (command, err)
        assert "refusing to delete 4 of 10 managed videos (40% > 30%)" in err
        assert "--force" in err
    assert fake.count("DELETE") == 0 and len(fake.videos()) == 11

    code, out, err = run(capsys, "plan", str(keep6), "--prune", "--max-delete-fraction", "0.5")
    assert code == 0 and "4 to delete" in out

    code, out, err = run(capsys, "apply", str(keep7), "--prune", "--auto-approve")
    assert code == 0 and "3 deleted" in out  # exactly 30 %: allowed

    empty = manifest(tmp_path, "videos: []\n", "c.yaml")  # now 7 of 7 owned would go
    code, out, err = run(
        capsys, "apply", str(empty), "--prune", "--auto-approve", "--safety-min-existing", "7"
    )
    assert code == 4 and "refusing to delete 7 of 7 managed videos" in err
    code, out, err = run(capsys, "plan", str(empty), "--prune")
    assert code == 0 and "7 to delete" in out  # below 10 managed videos nothing is refused
    code, out, err = run(capsys, "apply", str(empty), "--prune", "--force", "--auto-approve")
    assert code == 0 and "7 deleted" in out
    assert [v["name"] for v in fake.videos()] == ["Not ours"]


# ---------------------------------------------------------------------------- drift


def test_drift_is_an_update_back_to_the_manifest_for_managed_fields_only(tmp_path, fake, capsys):
    body = (
        "videos:\n"
        + entry(
            "d1",
            "Drift one",
            ", privacy: Public, tags: [alpha, beta], nsfw: false, description: Managed.",
        )
        + entry("d2", "Drift two", ", privacy: Public")
    )
    path = manifest(tmp_path, body)
    code, _, err = run(capsys, "apply", str(path), "--auto-approve", "--wait")
    assert code == 0, err
    videos = {parse_description(v["description"]).marker.external_id: v for v in fake.videos()}
    d1, d2 = videos["d1"]["uuid"], videos["d2"]["uuid"]
    # someone edits in the web UI: managed and unmanaged fields of d1, unmanaged ones of d2
    fake.edit_video(d1, name="Renamed by hand", privacy=2, tags=["hand"], nsfw=True)
    fake.edit_video(d1, support="Unmanaged support text", downloadEnabled=False, category=5)
    fake.edit_video(d2, support="Also unmanaged", licence=3, language="fr", tags=["x1"])

    code, out, err = run(capsys, "plan", str(path), "--format", "json", "--detailed-exitcode")
    assert code == 2, err
    (plan,) = json.loads(out)["plans"]
    assert [c["action"] for c in plan["changes"]] == ["update"]
    (change,) = plan["changes"]
    assert change["external_id"] == "d1" and change["uuid"] == d1
    assert {c["field"]: (c["old"], c["new"]) for c in change["changes"]} == {
        "name": ("Renamed by hand", "Drift one"),
        "privacy": (2, 1),
        "tags": (["hand"], ["alpha", "beta"]),
        "nsfw": (True, False),
    }
    code, out, err = run(capsys, "apply", str(path), "--auto-approve")
    assert code == 0 and "0 created, 1 updated, 0 deleted, 0 failed" in out
    now = fake.video(d1)
    assert (now["name"], now["privacy"]["id"], sorted(now["tags"]), now["nsfw"]) == (
        "Drift one",
        1,
        ["alpha", "beta"],
        False,
    )
    assert now["support"] == "Unmanaged support text" and now["downloadEnabled"] is False
    assert now["category"]["id"] == 5
    assert parse_description(now["description"]).text == "Managed."
    other = fake.video(d2)
    assert other["support"] == "Also unmanaged" and other["licence"]["id"] == 3
    assert other["tags"] == ["x1"]
    assert run(capsys, "plan", str(path), "--detailed-exitcode")[0] == 0
