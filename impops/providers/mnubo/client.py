"""The Mnubo v3 API as impops uses it: model reads and writes, deploys, device objects.

One `MnuboClient` per zone. Mnubo's spellings are kept at this edge only: the type lists are
`objectAttributesKeys` (plural "Attributes") but an attribute's own list is `objectTypeKeys`
(singular), and every create takes a JSON array even for one item.

Creates are never repeated blindly (`Safety.CREATE`): after an ambiguous failure (no answer,
5xx) `create` looks the key up and treats "it is there now" as success, else tries once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from impops.providers.mnubo.errors import MnuboRequestError, MnuboUnavailableError
from impops.providers.mnubo.settings import ZoneSettings
from impops.providers.mnubo.transport import RetryOptions, Safety, ZoneTransport, path_of

Doc = dict[str, Any]
# impops names -> Mnubo URL segments
TYPE_KINDS = ("objectTypes", "eventTypes")
ENTITY_KINDS = ("objectAttributes", "timeseries", "ownerAttributes")
# type kind -> the entity kind it links to
LINKED = {"objectTypes": "objectAttributes", "eventTypes": "timeseries"}
MAX_BATCH = 1000  # objects per batch (reference §4.4)


class MnuboReader:
    """The read-only calls (drift reads through this alone)."""

    def __init__(self, transport: ZoneTransport) -> None:
        self.transport = transport
        self.zone = transport.zone

    def list_kind(self, kind: str) -> list[Doc]:
        body = self.transport.send("GET", path_of("model", kind))
        return [d for d in body if isinstance(d, dict)] if isinstance(body, list) else []

    def objects_exist(self, device_ids: Sequence[str]) -> dict[str, bool]:
        """Which device ids exist as objects (`POST /objects/exists`, in batches)."""
        found: dict[str, bool] = {}
        ids = list(dict.fromkeys(device_ids))
        for start in range(0, len(ids), MAX_BATCH):
            chunk = ids[start : start + MAX_BATCH]
            body = self.transport.send("POST", path_of("objects", "exists"), body=chunk)
            # a list of single-key maps in request order: [{"id1": false}, ...]
            for entry in body if isinstance(body, list) else []:
                if isinstance(entry, dict):
                    found.update({str(k): bool(v) for k, v in entry.items()})
        return found


class MnuboClient(MnuboReader):
    """Reads and sandbox writes of one zone."""

    def __init__(self, settings: ZoneSettings, options: RetryOptions | None = None) -> None:
        super().__init__(ZoneTransport(settings, options))
        self.settings = settings

    # --- model writes (sandbox only) -------------------------------------------------------

    def create(self, kind: str, item: Doc) -> None:
        """Create one model item; after an ambiguous failure, look before trying again."""
        key = str(item["key"])
        for attempt in (1, 2):
            try:
                self.transport.send(
                    "POST", path_of("model", kind), body=[item], safety=Safety.CREATE
                )
                return
            except MnuboUnavailableError:
                if self._has(kind, key):
                    return  # the create went through; its answer was lost
                if attempt == 2:
                    raise

    def _has(self, kind: str, key: str) -> bool:
        return any(str(d.get("key", "")).lower() == key.lower() for d in self.list_kind(kind))

    def update_type(self, kind: str, item: Doc) -> None:
        # Types take the whole object; the relation list is sent empty (relations go through
        # their own endpoints).
        body = {**item, LINK_FIELD[kind]: []}
        self.transport.send("PUT", path_of("model", kind, str(item["key"])), body=body)

    def update_entity(self, kind: str, key: str, display_name: str, description: str) -> None:
        body = {"displayName": display_name, "description": description}
        self.transport.send("PUT", path_of("model", kind, key), body=body)

    def delete_type(self, kind: str, key: str) -> None:
        self.transport.send("DELETE", path_of("model", kind, key))

    def link(self, kind: str, type_key: str, entity_key: str, *, add: bool) -> None:
        """Add or remove a relation (adding an existing one does not fail, reference §2.8)."""
        path = path_of("model", kind, type_key, LINKED[kind], entity_key)
        self.transport.send("POST" if add else "DELETE", path, body={} if add else None)

    def deploy(self, kind: str, key: str) -> None:
        """Promote an entity to production: get a challenge code, then post it back.

        Called on the sandbox client (reference §3). A lost answer to step two is not
        retried blindly: the caller re-reads production and plans again.
        """
        answer = self.transport.send(
            "POST", path_of("model", kind, key, "deploy"), safety=Safety.CREATE
        )
        code = answer.get("code") if isinstance(answer, dict) else None
        if not isinstance(code, str) or not code:
            raise MnuboRequestError(
                200,
                "the deploy answer has no code",
                zone=self.zone,
                method="POST",
                path=path_of("model", kind, key, "deploy"),
            )
        self.transport.send(
            "POST", path_of("model", kind, key, "deploy", code), safety=Safety.CREATE
        )

    # --- device objects -------------------------------------------------------------------

    def upsert_objects(self, objects: Sequence[Doc]) -> list[str]:
        """Batch create-or-update (`PUT /objects`, ≤1000 a batch, idempotent: safe to retry).

        Returns the messages of items that failed (empty: all succeeded).
        """
        failures: list[str] = []
        for start in range(0, len(objects), MAX_BATCH):
            chunk = list(objects[start : start + MAX_BATCH])
            body = self.transport.send("PUT", path_of("objects"), body=chunk)
            for result in body if isinstance(body, list) else []:
                if isinstance(result, dict) and result.get("result") not in ("success", None):
                    failures.append(f"{result.get('id')}: {result.get('message', 'error')}")
        return failures

    def close(self) -> None:
        self.transport.close()


LINK_FIELD = {"objectTypes": "objectAttributesKeys", "eventTypes": "timeseriesKeys"}
