"""Manifests: YAML files → validated groups (offline) → desired state (with vocabularies)."""

from __future__ import annotations

from typing import Any

from ptsync.manifest.load import ManifestFile, ManifestGroup, ManifestSet, load
from ptsync.manifest.models import EXTENSION_PREFIX, ManifestModel
from ptsync.manifest.resolve import VocabularyMiss, resolve_group

SCHEMA_ID = "https://ptsync.example.org/schema/ptsync.schema.json"


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
