"""``python -m ptsync.testing.server``: run the fake PeerTube by hand.

Handy for trying ptsync or a client script without an instance: it prints the URL and the
credentials it created, then serves until Ctrl-C (or SIGTERM). ``--port 0`` picks a free port.
``--version 8.0`` plays another release; ``--create-delay`` (alone: 3 s, as measured on real
servers) makes creates slow and finish server-side even when the client is gone.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from ptsync.testing import profiles
from ptsync.testing.completion import DEFAULT_CREATE_DELAY
from ptsync.testing.fake import FakePeerTube


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ptsync.testing.server",
        description="Serve a fake PeerTube (in memory) until interrupted.",
    )
    parser.add_argument(
        "--version",
        choices=list(profiles.PROFILES),
        default=profiles.DEFAULT,
        help=f"PeerTube release to behave like (default {profiles.DEFAULT})",
    )
    parser.add_argument(
        "--create-delay",
        type=_seconds,
        nargs="?",
        const=DEFAULT_CREATE_DELAY,
        default=None,
        metavar="SECONDS",
        help=f"import creation takes this long (alone: {DEFAULT_CREATE_DELAY:g}); off by default",
    )
    parser.add_argument(
        "--upload-delay",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="last resumable chunk takes this long (default: a third of --create-delay)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port (0 picks a free one)")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD")
    parser.add_argument("--admin", action="append", default=[], metavar="NAME:PASSWORD")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per API call")
    parser.add_argument("--no-rate-limit", action="store_true", help="disable both rate limiters")
    parser.add_argument("--seed-videos", type=int, default=0, metavar="N")
    parser.add_argument("--import-duration", type=float, default=0.2, metavar="SECONDS")
    parser.add_argument("--video-file-update", action="store_true", help="allow source replace")
    parser.add_argument("--public-host", default=None, help="host written in URLs and Location")
    return parser


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _credentials(spec: str) -> tuple[str, str]:
    name, sep, password = spec.partition(":")
    if not sep or not name or not password:
        raise SystemExit(f"expected NAME:PASSWORD, got {spec!r}")
    return name, password


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    limited = not args.no_rate_limit
    fake = FakePeerTube(
        rate_limit=(50, 10.0) if limited else None,
        login_rate_limit=(15, 300.0) if limited else None,
        import_duration=args.import_duration,
        video_file_update_enabled=args.video_file_update,
        public_host=args.public_host,
        host=args.host,
        port=args.port,
        version=args.version,
        create_delay=args.create_delay,
        upload_delay=args.upload_delay,
    )
    users = args.user or ([] if args.admin else ["alice:secret"])
    created = [(*_credentials(spec), "user") for spec in users]
    created += [(*_credentials(spec), "admin") for spec in args.admin]
    for name, password, role in created:
        fake.add_user(name, password, role=role)
    if args.seed_videos and created:
        owner = created[0][0]
        for number in range(1, args.seed_videos + 1):
            fake.add_video(
                owner, name=f"Seeded video {number}", input_filename=f"seed-{number}.mp4"
            )
    fake.start()
    fake.faults.latency = args.latency
    print(f"Fake PeerTube {fake.version} listening on {fake.url}", flush=True)
    for name, password, role in created:
        print(f"  {role}: {name} / {password}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
