"""Catalogues (CSV, TSV, XLSX, ODS) and media folders as manifest sources.

``attach`` is called by the loader for a file that declares ``catalogues:`` or ``folders:``.
It reads each source into a ``Batch`` (``rows``, ``folders``), takes the file's ``videos:``
entries that share an id with a source's entry out of the file (they are merged into that
entry: curation), and derives one member per source (``ptsync.manifest.sourced``). All of it
is offline, and every problem is collected: a run reports all of them before any request.

Sources are files, so they are read where the manifest is: a catalogue must resolve, like any
local file, into the declaring file's allowed folders (its own, ``files.roots``,
``--media-root``), and its relative paths start from its own folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ptsync.errors import Problem
from ptsync.manifest.catalogue.rows import fill, layout_of
from ptsync.manifest.catalogue.tables import TableProblem, find_header, read_csv
from ptsync.manifest.files import AllowedFolders, PathProblem, display_path, local_path
from ptsync.manifest.models import CATALOGUE_SUFFIXES, CatalogueModel, ManifestModel
from ptsync.manifest.partial import Positions, numbered
from ptsync.manifest.sourced import Batch, Declaring, EntryKind, curation, derive
from ptsync.manifest.yamldoc import Document
from ptsync.sourceref import SourceRef

if TYPE_CHECKING:
    from ptsync.manifest.member import ManifestFile

SHEETS = (".xlsx", ".ods")


def attach(
    name: str, doc: Document, model: ManifestModel, positions: Positions, allowed: AllowedFolders
) -> tuple[ManifestModel, Positions, tuple[ManifestFile, ...], list[Problem]]:
    """The declaring file's model without its curation entries, the derived members, and
    every problem found in the sources."""
    from ptsync.manifest.catalogue.folders import read_folder

    decl = Declaring(name, doc, model, allowed)
    batches: list[Batch] = []
    problems: list[Problem] = []
    for k, spec in numbered(model, "catalogues", positions):
        batch, found = read_catalogue(decl, k, spec)
        problems.extend(found)
        batches.extend([batch] if batch else [])
    for k, folder in numbered(model, "folders", positions):
        batch, found = read_folder(decl, k, folder)
        problems.extend(found)
        batches.extend([batch] if batch else [])
    ids = {e["id"] for b in batches for e in b.entries if isinstance(e.get("id"), str)}
    curated = curation(model, positions, ids)
    kept = [(i, e) for i, e in numbered(model, "videos", positions) if e.id not in curated]
    model = model.model_copy(update={"videos": [e for _, e in kept]})
    positions = {**positions, "videos": tuple(i for i, _ in kept)}
    claimed: set[str] = set()
    derived = []
    for batch in batches:
        member, found = derive(batch, decl, curated, claimed)
        derived.append(member)
        problems.extend(found)
    return model, positions, tuple(derived), problems


def read_catalogue(
    decl: Declaring, k: int, spec: CatalogueModel
) -> tuple[Batch | None, list[Problem]]:
    at = ("catalogues", k)
    suffix = Path(spec.file).suffix.lower()
    problems = _option_problems(decl, k, spec, suffix)
    try:
        path = local_path(
            decl.allowed.folders[0], spec.file, frozenset(CATALOGUE_SUFFIXES), decl.allowed
        )
    except PathProblem as exc:
        return None, [*problems, decl.problem((*at, "file"), str(exc))]
    if problems:
        return None, problems
    file = display_path(decl.path, spec.file)
    try:
        if suffix in SHEETS:
            from ptsync.manifest.catalogue.sheets import read_sheet

            table, digest = read_sheet(path, suffix, spec.sheet)
        else:
            table, digest = read_csv(path, spec.delimiter or ("\t" if suffix == ".tsv" else ","))
    except TableProblem as exc:
        return None, [Problem(SourceRef(file, exc.row, 0, ""), exc.message)]
    layout, problems = layout_of(decl, k, spec, file, find_header(table, spec.id))
    if layout is None:
        return None, problems
    batch = Batch(EntryKind.CATALOGUE, file, path.parent, digest)
    return batch, fill(batch, layout)


def _option_problems(decl: Declaring, k: int, spec: CatalogueModel, suffix: str) -> list[Problem]:
    at = ("catalogues", k)
    problems = []
    if spec.sheet is not None and suffix not in SHEETS:
        problems.append(
            decl.problem((*at, "sheet"), f"sheet applies to .xlsx and .ods, not {suffix}")
        )
    if spec.delimiter is not None and suffix in SHEETS:
        problems.append(
            decl.problem((*at, "delimiter"), f"delimiter applies to .csv and .tsv, not {suffix}")
        )
    return problems
