"""Read manifest files and folders into validated groups, reporting every problem at once.

A *group* is what one plan covers: the files that name the same instance and ``system``.
Loading is offline: structure, limits, ids, and local files are all checked here, so
``ptsync validate`` and a pre-commit hook catch mistakes without credentials. A file that
fails validation is still checked in the parts that are valid (see ``partial``), so one run
reports everything.

Local files must resolve into the file's allowed folders: its own folder, its ``files.roots``
and the caller's ``media_roots`` (the CLI's ``--media-root``); see ``files``.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ptsync import redact
from ptsync.errors import ManifestError, Problem
from ptsync.manifest.checks import FileChecker, duplicate_ids
from ptsync.manifest.files import AllowedFolders
from ptsync.manifest.member import ManifestFile
from ptsync.manifest.models import (
    API_VERSION,
    EXTENSION_PREFIX,
    MIRRORED_ID_MARK,
    ManifestModel,
    VideoEntry,
)
from ptsync.manifest.partial import Positions, validate
from ptsync.manifest.problems import ref_at, suggestion
from ptsync.manifest.yamldoc import Document, YamlProblem, parse
from ptsync.sourceref import SourceRef

MAX_FILE_BYTES = 64 * 2**20


@dataclass
class ManifestGroup:
    instance_url: str | None
    instance_name: str | None
    system: str
    members: list[ManifestFile] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return [m.path for m in self.members]

    @property
    def videos(self) -> list[VideoEntry]:
        return [v for m in self.members for v in m.model.videos]

    @property
    def digest(self) -> str:
        """Of the manifest texts (referenced files are added by ``resolve_group``)."""
        return hashlib.sha256("".join(m.sha256 for m in self.members).encode()).hexdigest()[:16]


@dataclass
class ManifestSet:
    files: list[ManifestFile]
    groups: list[ManifestGroup]


def expand(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files as given, folders as their ``*.yaml`` / ``*.yml`` files (sorted, not recursive).

    Only regular files are read: a FIFO, a socket or a device (``/dev/stdin``, a named pipe
    left in the folder) is reported, never opened, so loading cannot block on it."""
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        kind = _kind(path)
        if kind == "folder":
            inside = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            for odd in (p for p in inside if _kind(p) not in ("file", "folder")):
                problems.append(Problem(SourceRef(str(odd), 0, 0), _not_regular(odd)))
            inside = [p for p in inside if _kind(p) == "file"]
            if not inside:
                problems.append(Problem(SourceRef(raw, 0, 0), "no *.yaml manifest in this folder"))
            found.extend(inside)
        elif kind == "file":
            found.append(path)
        elif kind is None:
            problems.append(Problem(SourceRef(raw, 0, 0), "no such file or folder"))
        else:
            problems.append(Problem(SourceRef(raw, 0, 0), _not_regular(path)))
    unique = list(dict.fromkeys(found))
    return unique, problems


_KINDS = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _kind(path: Path) -> str | None:
    """What ``path`` names (links followed) without opening it; None when nothing."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):  # missing, a broken link or loop, a NUL in the name
        return None
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _not_regular(path: Path) -> str:
    kind = _kind(path)
    what = f"{kind}, " if kind and kind != "not a regular file" else ""
    return f"{what}not a regular file: a manifest must be a file or a folder (not read)"


def load(paths: Sequence[str], *, media_roots: Sequence[str | Path] = ()) -> ManifestSet:
    """Load and check manifest files and folders; raise ManifestError listing every problem.

    ``media_roots``: folders every file's local paths may also resolve into (``--media-root``).
    """
    files, problems = expand(paths)
    roots, root_problems = resolve_media_roots(media_roots)
    problems.extend(root_problems)
    loaded: list[ManifestFile] = []
    for path in files:
        member, found = load_file(path, media_roots=roots)
        problems.extend(found)
        if member is not None:
            loaded.extend((member, *member.sourced))
    groups = _group(loaded)
    for group in groups:
        problems.extend(_group_problems(group))
    if problems:
        raise ManifestError(problems)
    return ManifestSet(loaded, groups)


def resolve_media_roots(roots: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The caller's extra allowed folders, resolved (symlinks included); missing ones refused."""
    found: list[Path] = []
    problems: list[Problem] = []
    for root in roots:
        resolved = _folder(Path(root))
        if resolved is None:
            problems.append(Problem(SourceRef("--media-root", 0, 0), f"{root}: no such folder"))
        else:
            found.append(resolved)
    return found, problems


def _folder(path: Path) -> Path | None:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL
        return None
    return resolved if resolved.is_dir() else None


def load_file(
    path: Path, *, media_roots: Sequence[Path] = ()
) -> tuple[ManifestFile | None, list[Problem]]:
    """One file and its problems; the file is None when it cannot be grouped (no system)."""
    name = str(path)
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            return None, [Problem(SourceRef(name, 0, 0), "manifest file larger than 64 MiB")]
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [_not_utf8(name, raw, exc)]
    except OSError as exc:
        return None, [Problem(SourceRef(name, 0, 0), f"cannot read ({exc.strerror})")]
    try:
        doc = parse(text)
    except YamlProblem as exc:
        return None, [Problem(SourceRef(name, exc.line, exc.col), exc.message)]
    if not isinstance(doc.data, dict):
        return None, [
            Problem(SourceRef(name, 1, 1), "a manifest is a mapping starting with apiVersion")
        ]
    data, problems = _api_version(name, doc)
    if problems and not _looks_like_a_manifest(data):
        return None, problems
    validated = validate(data, doc, name)
    problems.extend(validated.problems)
    if validated.model is None:  # pragma: no cover - partial validation keeps a model
        return None, problems
    model = validated.model
    allowed, root_problems = _allowed(name, doc, model, path.parent, media_roots)
    problems.extend(root_problems)
    positions: Positions = validated.positions
    sourced: tuple[ManifestFile, ...] = ()
    if model.catalogues or model.folders:  # their videos: entries are merged into the rows
        from ptsync.manifest.catalogue import attach

        model, positions, sourced, found = attach(name, doc, model, positions, allowed)
        problems.extend(found)
    checker = FileChecker(name, doc, model, allowed, positions, validated.dropped)
    problems.extend(checker.run())
    if not validated.system_known:
        return None, problems
    sha = hashlib.sha256(raw).hexdigest()
    member = ManifestFile(name, path.parent, doc, model, sha, allowed, positions, sourced=sourced)
    return member, problems


def _not_utf8(name: str, raw: bytes, exc: UnicodeDecodeError) -> Problem:
    """At the line and column of the first bad byte, counted in characters like an editor."""
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    col = len(raw[line_start : exc.start].decode("utf-8", errors="replace")) + 1
    message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}: {exc.reason}); save it as UTF-8"
    return Problem(SourceRef(name, line, col), message)


def _api_version(name: str, doc: Document) -> tuple[dict[Any, Any], list[Problem]]:
    """The data to validate (``x-`` keys dropped) and a problem when apiVersion is wrong."""
    data = {
        k: v
        for k, v in doc.data.items()
        if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))
    }
    version = data.get("apiVersion")
    if version is None:
        typo = [k for k in data if isinstance(k, str) and suggestion(k, ["apiVersion"])]
        if typo:
            line, col = doc.where((typo[0],))
            message = f"unknown key {typo[0]!r} (did you mean 'apiVersion'?)"
            del data[typo[0]]
            data["apiVersion"] = API_VERSION
            return data, [Problem(SourceRef(name, line, col, typo[0]), message)]
    if version != API_VERSION:
        line, col = doc.where(("apiVersion",))
        got = "missing" if version is None else repr(version)
        hint = suggestion(str(version), [API_VERSION]) if version else ""
        message = f"must be {API_VERSION} (got {got}){hint}"
        data["apiVersion"] = API_VERSION
        return data, [Problem(SourceRef(name, line, col, "apiVersion"), message)]
    return data, []


def _looks_like_a_manifest(data: dict[Any, Any]) -> bool:
    """Worth checking further though apiVersion is wrong (else: some other YAML file)."""
    return any(k in ManifestModel.model_fields for k in data if k != "apiVersion")


def _allowed(
    name: str, doc: Document, model: ManifestModel, base_dir: Path, media_roots: Sequence[Path]
) -> tuple[AllowedFolders, list[Problem]]:
    """The file's folder, its ``files.roots`` (relative to that folder) and the caller's."""
    roots: list[Path] = []
    problems: list[Problem] = []
    for i, given in enumerate(model.files.roots if model.files else []):
        at = ("files", "roots", i)
        folder = _folder(base_dir / given) if given.strip() else None
        if folder is None:
            problems.append(Problem(ref_at(name, doc, at), f"{given!r}: no such folder"))
        else:
            roots.append(folder)
    return AllowedFolders.of(base_dir, [*roots, *media_roots]), problems


def _group(files: Iterable[ManifestFile]) -> list[ManifestGroup]:
    groups: dict[tuple[str, str], ManifestGroup] = {}
    for member in files:
        instance = member.model.instance
        url = instance.url.rstrip("/") if instance and instance.url else None
        name = instance.name if instance else None
        key = (name or url or "", member.model.system)
        group = groups.setdefault(key, ManifestGroup(url, name, member.model.system))
        if group.instance_url is None:
            group.instance_url = url
        group.members.append(member)
    return list(groups.values())


def _group_problems(group: ManifestGroup) -> list[Problem]:
    ids: list[tuple[str, Document, tuple[str | int, ...], str]] = []
    uuids: list[tuple[str, Document, tuple[str | int, ...], str]] = []
    for member in group.members:
        for i, entry in member.items("videos"):
            ids.append((member.path, member.doc, ("videos", i, "id"), entry.id))
            if entry.uuid:
                uuids.append((member.path, member.doc, ("videos", i, "uuid"), entry.uuid))
    problems = list(duplicate_ids(ids)) + list(duplicate_ids(uuids))
    problems += _resource_problems(group, {i for m in group.members for i in _written_ids(m)})
    problems += _mirror_problems(group)
    urls = {url for m in group.members if (url := _url(m))}
    if len(urls) > 1:
        first = group.members[0]
        problems.append(
            Problem(
                SourceRef(first.path, *first.doc.where(("instance", "url")), "instance.url"),
                f"instance {group.instance_name!r} has different URLs: {', '.join(sorted(urls))}",
            )
        )
    return problems


def _resource_problems(group: ManifestGroup, video_ids: set[str]) -> list[Problem]:
    playlists: list[tuple[str, Document, tuple[str | int, ...], str]] = []
    channels: list[tuple[str, Document, tuple[str | int, ...], str]] = []
    problems: list[Problem] = []
    mirrored = any(m.model.declares_mirrors() for m in group.members)
    for member in group.members:
        for i, playlist in member.items("playlists"):
            playlists.append((member.path, member.doc, ("playlists", i, "id"), playlist.id))
            for j, ext_id in enumerate(playlist.videos):
                if mirrored and MIRRORED_ID_MARK in ext_id:
                    continue  # a mirror may list it: known once listed (plan time)
                if ext_id not in video_ids:
                    at = ("playlists", i, "videos", j)
                    hint = suggestion(ext_id, video_ids)
                    message = f"{ext_id!r} is not the id of a video in this manifest{hint}"
                    problems.append(Problem(ref_at(member.path, member.doc, at), message))
        for i, channel in member.items("channels"):
            channels.append((member.path, member.doc, ("channels", i, "name"), channel.name))
    return problems + list(duplicate_ids(playlists)) + list(duplicate_ids(channels))


def _mirror_problems(group: ManifestGroup) -> list[Problem]:
    """One upstream mirrored twice in a group (into two channels, or in two files): its
    entries would have two homes. Within one channel the file's own check names it."""
    first: dict[str, SourceRef] = {}
    problems: list[Problem] = []
    for member in group.members:
        for i, channel in member.items("channels"):
            here: set[str] = set()
            for j, mirror in enumerate(channel.mirrors or ()):
                key = redact.identity(mirror.url)
                ref = ref_at(member.path, member.doc, ("channels", i, "mirrors", j, "url"))
                if key in first and key not in here:
                    problems.append(
                        Problem(ref, f"this upstream is already mirrored at {first[key]}")
                    )
                first.setdefault(key, ref)
                here.add(key)
    return problems


def _written_ids(member: ManifestFile) -> list[str]:
    """Video ids as written, also of entries that failed validation (playlists name them)."""
    videos = member.doc.data.get("videos") if isinstance(member.doc.data, dict) else None
    if not isinstance(videos, list):
        return [entry.id for _, entry in member.items("videos")]
    return [v["id"] for v in videos if isinstance(v, dict) and isinstance(v.get("id"), str)]


def _url(member: ManifestFile) -> str | None:
    instance = member.model.instance
    return instance.url.rstrip("/") if instance and instance.url else None
