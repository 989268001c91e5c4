"""Manifests: YAML files → validated groups (offline) → desired state (with vocabularies).

``resolve_group`` and ``VocabularyMiss`` are imported on first use: ``ptsync validate`` (a
pre-commit hook, run often) loads and checks files only, and resolving brings in the desired
state's types (``ptsync.state``) and the vocabulary lookups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ptsync.manifest.load import ManifestGroup, ManifestSet, load
from ptsync.manifest.member import ManifestFile
from ptsync.manifest.models import EXTENSION_PREFIX, ManifestModel

if TYPE_CHECKING:
    from ptsync.manifest.resolve import resolve_group

SCHEMA_ID = "https://ptsync.example.org/schema/ptsync.schema.json"
_LAZY = {"VocabularyMiss", "resolve_group"}  # from ptsync.manifest.resolve


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from ptsync.manifest import resolve

        globals()[name] = value = getattr(resolve, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def json_schema() -> dict[str, Any]:
    """The manifest's JSON Schema (draft 2020-12), for editors and CI linters."""
    schema = ManifestModel.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "ptsync manifest",
        "description": "Desired state of PeerTube videos, applied by `ptsync apply`.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
        # top-level x-... keys are ignored: a place for YAML anchors, as in docker compose
        "patternProperties": {f"^{EXTENSION_PREFIX}": {}},
    }


__all__ = [
    "ManifestFile",
    "ManifestGroup",
    "ManifestSet",
    "VocabularyMiss",
    "json_schema",
    "load",
    "resolve_group",
]
