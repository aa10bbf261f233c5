"""`ApiCore`: authenticated, retried, paginated JSON:API calls: the base of `ImpCentralClient`.

It owns the transport (session, limiter, retries) and the token manager, and turns non-2xx
answers into typed errors. Idempotency rules on top of the transport's:

* a DELETE whose retry gets 404 is treated as done (the earlier attempt landed);
* a create (`_create`) is never retried blind: after an ambiguous failure (timeout, dropped
  connection, 5xx) the caller-supplied `lookup` runs first, and an existing object is returned.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from impops.http.ratelimit import RateLimiter, backoff_delay
from impops.http.transport import Response, RetryPolicy, Transport, TransportOptions
from impops.providers.impcentral.api import validation as v
from impops.providers.impcentral.api.auth import TokenManager
from impops.providers.impcentral.api.errors import (
    ConflictError,
    NotFoundError,
    ServerError,
    TransportError,
    error_from_response,
)
from impops.providers.impcentral.api.pagination import (
    PAGE_SIZE,
    collect,
    iterate_pages,
    page_params,
)
from impops.providers.impcentral.settings import Settings

log = logging.getLogger(__name__)

JSONAPI = "application/vnd.api+json"
Resource = dict[str, Any]


class ApiCore:
    """Connection, auth and error handling shared by every resource method; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        *,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        connect_timeout: float = 10.0,
        pool_size: int = 32,
        burst: float | None = None,
        page_size: int = PAGE_SIZE,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        v.check_page(None, page_size)
        self.settings = settings
        self.endpoint = settings.endpoint
        self._page_size = page_size
        self._sleep = sleep
        self._rng = rng
        options = TransportOptions(
            timeout=settings.timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            pool_size=pool_size,
            verify=verify,
            rng=rng,
            sleep=sleep,
        )
        self.limiter = RateLimiter(settings.effective_rate_limit, burst, sleep=sleep)
        self._transport = Transport(settings.endpoint, self.limiter, options)
        self._tokens = TokenManager(self._transport, settings)
        self._account_lock = threading.Lock()
        self._account_id: str | None = None

    def close(self) -> None:
        """Release pooled connections."""
        self._transport.close()

    # --- requests -------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> Response:
        """One authenticated call; a 401 renews the token once and repeats the call."""
        all_headers = {"Content-Type": JSONAPI, "Accept": JSONAPI, **(headers or {})}
        for auth_attempt in (1, 2):
            token = self._tokens.token()
            all_headers["Authorization"] = f"Bearer {token}"
            response = self._transport.send(
                method, path, body=body, params=params, headers=all_headers, policy=policy
            )
            if response.status == 401 and auth_attempt == 1:
                log.debug("impCentral %s: 401, renewing the access token", method)
                self._tokens.invalidate(token)
                continue
            if not response.ok:
                raise error_from_response(
                    response.status,
                    response.body,
                    method=method,
                    path=self._transport.display_path(self._transport.url(path)),
                    retry_after=response.retry_after,
                    attempts=response.attempts,
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _list(self, resource: str, filters: Mapping[str, str] | None) -> list[Resource]:
        params = page_params(v.check_filters(resource, filters), self._page_size)

        def fetch(path: str, query: Mapping[str, str] | None) -> Any:
            return self._request("GET", path, params=query).body

        return collect(iterate_pages(fetch, f"/{resource}", params))

    def _get(self, resource: str, object_id: str) -> Resource:
        path = f"/{resource}/{v.check_id(object_id, 'id')}"
        return self._data(self._request("GET", path), "GET", path)

    def _update(
        self,
        resource: str,
        object_id: str,
        api_type: str,
        attributes: Mapping[str, Any],
        relationships: Mapping[str, Any] | None = None,
    ) -> Resource:
        path = f"/{resource}/{v.check_id(object_id, 'id')}"
        data: dict[str, Any] = {"type": api_type, "id": object_id, "attributes": dict(attributes)}
        if relationships:
            data["relationships"] = dict(relationships)
        response = self._request("PATCH", path, body={"data": data})
        if response.body is None:  # tolerate 204: read the object back
            return self._get(resource, object_id)
        return self._data(response, "PATCH", path)

    def _delete(self, path: str) -> None:
        try:
            self._request("DELETE", path)
        except NotFoundError as exc:
            if exc.attempts <= 1:  # a retry's 404 means an earlier attempt deleted it
                raise

    def _create(
        self, path: str, body: Mapping[str, Any], lookup: Callable[[], Resource | None]
    ) -> Resource:
        """POST a create without ever duplicating it (see the module docstring)."""
        max_retries = self._transport.options.max_retries
        ambiguous = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._request("POST", path, body=body, policy=RetryPolicy.CREATE)
                return self._data(response, "POST", path)
            except (TransportError, ServerError) as exc:
                ambiguous = True
                log.info("impCentral POST %s: %s; checking whether it was created", path, exc)
                found = lookup()
                if found is not None:
                    log.info("impCentral POST %s: the object exists; not creating it again", path)
                    return found
                if attempt > max_retries:
                    raise
                self._sleep(
                    backoff_delay(
                        attempt - 1,
                        self._transport.options.backoff_base,
                        self._transport.options.backoff_cap,
                        self._rng,
                    )
                )
            except ConflictError:
                # after an ambiguous attempt, a conflict most likely means that attempt landed
                if ambiguous:
                    found = lookup()
                    if found is not None:
                        return found
                raise

    @staticmethod
    def _data(response: Response, method: str, path: str) -> Resource:
        body = response.body
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, dict):
            raise TransportError(
                response.status,
                "invalid response",
                "no JSON:API resource object in the body",
                method=method,
                path=path,
                attempts=response.attempts,
            )
        return data
