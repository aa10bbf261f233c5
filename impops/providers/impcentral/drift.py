"""impCentral's part of drift: a read-only client view and who made each live deployment.

This module has no write path: live state is read through `ReadOnlyClient`, which forwards
exactly the list/get methods `live.read_live` needs and nothing else, and it never imports the
writer. A drift run therefore cannot change impCentral whatever the manifests say.

For a deployment the drift item also says which live deployment is current, when it was
created, its origin and creator id, and whether impops made it (the `impops` tag): a current
deployment without the tag was made outside impops (IDE, impt, API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from impops.engine.change import Change
from impops.engine.drift import DriftInput, DriftItem, DriftNote
from impops.providers.impcentral import undeclared
from impops.providers.impcentral.diff import diff
from impops.providers.impcentral.live import Doc, LiveReader, read_live
from impops.providers.impcentral.model import Deployment, ImpCentralState


class ReadOnlyClient:
    """A view of an impCentral client that can only read (see module docstring)."""

    def __init__(self, client: LiveReader) -> None:
        self._client = client

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_products(filters)

    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_device_groups(filters)

    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_devices(filters)

    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_webhooks(filters)

    def list_deployments(
        self, filters: dict[str, str] | None = None, keep: Callable[[Doc], bool] | None = None
    ) -> list[Doc]:
        return self._client.list_deployments(filters, keep)

    def get_deployment(self, deployment_id: str) -> Doc:
        return self._client.get_deployment(deployment_id)


def read_live_readonly(
    client: LiveReader, product_names: Sequence[str], *, parallelism: int = 8
) -> ImpCentralState:
    """Read live impCentral through the read-only view."""
    return read_live(ReadOnlyClient(client), product_names, parallelism=parallelism)


def drift_input(
    desired: ImpCentralState, live: ImpCentralState, managed: Sequence[str] = ()
) -> DriftInput:
    """impCentral's part of a drift comparison: differ, attribution and foreign deployments."""

    def note(change: Change) -> DriftNote:
        if not isinstance(change.before, Deployment) and not isinstance(change.after, Deployment):
            return DriftNote()
        info = live.deployments.get(change.address)
        code = change.reason == "code_changed" or any(
            f.path in ("agent_sha256", "device_sha256") for f in change.fields
        )
        return DriftNote(info, info is not None and not info.made_by_impops, code)

    def foreign_deployments(seen: set[str]) -> list[DriftItem]:
        """Current deployments made outside impops whose content still matches the
        manifests: nothing for apply to do, but someone deployed behind git's back."""
        items = []
        for address in sorted(desired.resources):
            info = live.deployments.get(address)
            if address in seen or info is None or info.made_by_impops:
                continue
            if not isinstance(desired.resources[address], Deployment):
                continue
            items.append(
                DriftItem(
                    address=address,
                    kind="deployment",
                    action=None,
                    meaning="the current deployment was made outside impops (content matches)",
                    deployment=info,
                    outside_impops=True,
                )
            )
        return items

    def extra(seen: set[str]) -> list[DriftItem]:
        return foreign_deployments(seen) + undeclared.drift_items(live)

    return DriftInput(desired, live, diff, tuple(managed), note, extra)
