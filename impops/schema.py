"""JSON Schema of the manifest files, generated from the pydantic models (the single schema).

`impops schema` writes these files into `schemas/`, where they are committed so that editors
(e.g. the YAML language server: `# yaml-language-server: $schema=...`) complete and check
manifests; a test fails when they are out of date. Output is deterministic: sorted keys,
two-space indentation, a trailing newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from impops.manifest.mnubo import MnuboManifest
from impops.manifest.models import ProductManifest, ProjectManifest

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "impops-project.schema.json": ProjectManifest,
    "impops-product.schema.json": ProductManifest,
    "impops-mnubo.schema.json": MnuboManifest,
}


def schema_for(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The JSON Schema document of one manifest kind."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, "$id": name, **schema}


def render() -> dict[str, str]:
    """File name -> file text for every schema."""
    return {
        name: json.dumps(schema_for(model, name), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
        for name, model in SCHEMA_FILES.items()
    }


def write(directory: Path) -> list[Path]:
    """Write every schema into `directory` (created if needed); returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale(directory: Path) -> list[str]:
    """Names of the schema files in `directory` that are missing or differ from the models."""
    out = []
    for name, text in render().items():
        path = directory / name
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            out.append(name)
    return out
