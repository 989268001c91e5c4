"""Read manifest files and folders into validated groups, reporting every problem at once.

A *group* is what one plan covers: the files that name the same instance and ``system``.
Loading is offline: structure, limits, ids, and local files are all checked here, so
``ptsync validate`` and a pre-commit hook catch mistakes without credentials.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ptsync.errors import ManifestError, Problem
from ptsync.manifest.checks import FileChecker, duplicate_ids
from ptsync.manifest.models import API_VERSION, ManifestModel, VideoEntry
from ptsync.manifest.problems import from_validation, ref_at, suggestion
from ptsync.manifest.yamldoc import Document, YamlProblem, parse
from ptsync.sourceref import SourceRef

MAX_FILE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ManifestFile:
    path: str  # as the user gave it (short, for messages and CI annotations)
    base_dir: Path
    doc: Document
    model: ManifestModel
    sha256: str


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
    """Files as given, folders as their ``*.yaml`` / ``*.yml`` files (sorted, not recursive)."""
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
            )
            if not inside:
                problems.append(Problem(SourceRef(raw, 0, 0), "no *.yaml manifest in this folder"))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(SourceRef(raw, 0, 0), "no such file or folder"))
    unique = list(dict.fromkeys(found))
    return unique, problems


def load(paths: Sequence[str]) -> ManifestSet:
    files, problems = expand(paths)
    loaded: list[ManifestFile] = []
    for path in files:
        member, found = load_file(path)
        problems.extend(found)
        if member is not None:
            loaded.append(member)
    groups = _group(loaded)
    for group in groups:
        problems.extend(_group_problems(group))
    if problems:
        raise ManifestError(problems)
    return ManifestSet(loaded, groups)


def load_file(path: Path) -> tuple[ManifestFile | None, list[Problem]]:
    name = str(path)
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            return None, [Problem(SourceRef(name, 0, 0), "manifest file larger than 64 MiB")]
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(SourceRef(name, 1, 1), f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, [Problem(SourceRef(name, 0, 0), f"cannot read ({exc.strerror})")]
    try:
        doc = parse(text)
    except YamlProblem as exc:
        return None, [Problem(SourceRef(name, exc.line, exc.col), exc.message)]
    shape = _shape_problem(name, doc)
    if shape:
        return None, [shape]
    try:
        model = ManifestModel.model_validate(doc.data)
    except ValidationError as exc:
        return None, from_validation(exc, ManifestModel, doc, name)
    member = ManifestFile(name, path.parent, doc, model, hashlib.sha256(raw).hexdigest())
    return member, FileChecker(name, doc, model, path.parent).run()


def _shape_problem(name: str, doc: Document) -> Problem | None:
    data = doc.data
    if not isinstance(data, dict):
        return Problem(SourceRef(name, 1, 1), "a manifest is a mapping starting with apiVersion")
    version = data.get("apiVersion")
    if version is None:
        typo = [k for k in data if isinstance(k, str) and suggestion(k, ["apiVersion"])]
        if typo:
            line, col = doc.where((typo[0],))
            message = f"unknown key {typo[0]!r} (did you mean 'apiVersion'?)"
            return Problem(SourceRef(name, line, col, typo[0]), message)
    if version != API_VERSION:
        line, col = doc.where(("apiVersion",))
        got = "missing" if version is None else repr(version)
        hint = suggestion(str(version), [API_VERSION]) if version else ""
        message = f"must be {API_VERSION} (got {got}){hint}"
        return Problem(SourceRef(name, line, col, "apiVersion"), message)
    return None


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
        for i, entry in enumerate(member.model.videos):
            ids.append((member.path, member.doc, ("videos", i, "id"), entry.id))
            if entry.uuid:
                uuids.append((member.path, member.doc, ("videos", i, "uuid"), entry.uuid))
    problems = list(duplicate_ids(ids)) + list(duplicate_ids(uuids))
    problems += _resource_problems(group, {value for *_, value in ids})
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
    for member in group.members:
        for i, playlist in enumerate(member.model.playlists):
            playlists.append((member.path, member.doc, ("playlists", i, "id"), playlist.id))
            for j, ext_id in enumerate(playlist.videos):
                if ext_id not in video_ids:
                    at = ("playlists", i, "videos", j)
                    hint = suggestion(ext_id, video_ids)
                    message = f"{ext_id!r} is not the id of a video in this manifest{hint}"
                    problems.append(Problem(ref_at(member.path, member.doc, at), message))
        for i, channel in enumerate(member.model.channels):
            channels.append((member.path, member.doc, ("channels", i, "name"), channel.name))
    return problems + list(duplicate_ids(playlists)) + list(duplicate_ids(channels))


def _url(member: ManifestFile) -> str | None:
    instance = member.model.instance
    return instance.url.rstrip("/") if instance and instance.url else None
