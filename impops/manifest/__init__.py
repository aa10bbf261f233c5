"""Manifests: YAML with source positions, the pydantic schema, variables and validation.

`load_project(root)` is the one entry point: it returns a fully valid `Project` or raises a
`ManifestError` carrying every problem found (file:line:column, key, message).
"""

from __future__ import annotations

from impops.manifest.loader import ProductSource, Project, ProjectHeader, load_project
from impops.manifest.mnubo import MnuboManifest, MnuboModel
from impops.manifest.models import (
    DeploymentSettings,
    DeviceGroupManifest,
    ProductManifest,
    ProjectManifest,
    WebhookManifest,
)
from impops.manifest.productfiles import PROJECT_FILE

__all__ = [
    "PROJECT_FILE",
    "DeploymentSettings",
    "DeviceGroupManifest",
    "MnuboManifest",
    "MnuboModel",
    "ProductManifest",
    "ProductSource",
    "Project",
    "ProjectHeader",
    "ProjectManifest",
    "WebhookManifest",
    "load_project",
]
