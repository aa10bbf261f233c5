"""`ApiCore`: authenticated, retried, paginated JSON:API calls: the base of `ImpCentralClient`.

It owns the transport (session, learning rate limiter, retries, deadline), the token manager
and a small pool for concurrent list pages. It turns non-2xx answers into typed errors and
checks every 2xx body it hands out against `answers` (a mismatch is an
`UnexpectedAnswerError` naming the request). Idempotency rules on top of the transport's:

* a DELETE whose retry gets 404 is treated as done (the earlier attempt landed);
* a create (`_create`) is never retried blind: after an ambiguous failure (timeout, dropped
  connection, 5xx) the caller-supplied `lookup` runs first, and an existing object is returned.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from impops.http.ratelimit import RateLimiter, backoff_delay
from impops.http.transport import (
    EMPTY_BODY,
    Response,
    RetryPolicy,
    Transport,
    TransportOptions,
)
from impops.providers.impcentral.api import answers
from impops.providers.impcentral.api import validation as v
from impops.providers.impcentral.api.auth import TokenManager
from impops.providers.impcentral.api.errors import (
    ConflictError,
    NotFoundError,
    ServerError,
    TransportError,
    UnexpectedAnswerError,
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
# Concurrent page reads per client (all lists together). The shared limiter sets the pace;
# this only has to cover the round trips in flight at that pace (40/s x 0.2 s = 8).
PAGE_WORKERS = 8


class ApiCore:
    """Connection, auth and error handling shared by every resource method; thread-safe."""

    def __init__(
        self,
        settings: Settings,
        *,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        pool_size: int = 32,
        page_workers: int = PAGE_WORKERS,
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
            timeout=read_timeout if read_timeout is not None else settings.read_timeout,
            connect_timeout=(
                connect_timeout if connect_timeout is not None else settings.connect_timeout
            ),
            deadline=settings.timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            pool_size=pool_size,
            verify=verify,
            rng=rng,
            sleep=sleep,
        )
        self.limiter = RateLimiter(
            settings.effective_rate_limit,
            burst,
            learn=settings.learns_rate_limit,
            ceiling=settings.rate_limit or None,
            sleep=sleep,
        )
        self._transport = Transport(
            settings.endpoint, self.limiter, options, on_failure=TransportError.from_failure
        )
        self._tokens = TokenManager(self._transport, settings)
        self._account_lock = threading.Lock()
        self._account_id: str | None = None
        self._page_workers = max(1, page_workers)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def close(self) -> None:
        """Release pooled connections and the page threads."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
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
        """One authenticated call; a 401 renews the token once and repeats the call.

        Both sends share one deadline (`IMPOPS_TIMEOUT`): the budget is per logical call.
        """
        all_headers = {"Content-Type": JSONAPI, "Accept": JSONAPI, **(headers or {})}
        deadline = self._transport.deadline()
        for auth_attempt in (1, 2):
            token = self._tokens.token()
            all_headers["Authorization"] = f"Bearer {token}"
            response = self._transport.send(
                method,
                path,
                body=body,
                params=params,
                headers=all_headers,
                policy=policy,
                deadline=deadline,
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

    def _list(
        self,
        resource: str,
        filters: Mapping[str, str] | None,
        keep: Callable[[Resource], bool] | None = None,
    ) -> list[Resource]:
        """Every item of a paginated list. `keep`, when given, is asked about each item of a
        page as soon as that page passed its checks; items it refuses are dropped there, so
        a long list the caller needs little of is never held whole (deployment history)."""
        params = page_params(v.check_filters(resource, filters), self._page_size)
        shown = f"/{resource}"

        def fetch(path: str, query: Mapping[str, str] | None) -> Any:
            response = self._request("GET", path, params=query)
            problem = response.body_problem or answers.check_list(response.body, shown)
            if problem is not None:
                raise _unexpected(response, problem, "GET", shown)
            body = response.body
            if keep is not None:
                body = {**body, "data": [item for item in body["data"] if keep(item)]}
            return body

        def fetch_many(urls: Sequence[str]) -> list[Any]:
            return self._map(lambda url: fetch(url, None), urls)

        return collect(iterate_pages(fetch, shown, params, fetch_many))

    def _map(self, fn: Callable[[str], Any], items: Sequence[str]) -> list[Any]:
        """`fn` over `items` on the page threads, results in order; the first error propagates."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._page_workers, "impcentral-page")
            pool = self._pool
        futures: list[Future[Any]] = [pool.submit(fn, item) for item in items]
        try:
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()

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
        if response.body_problem == EMPTY_BODY:  # tolerate 204: read the object back
            return self._get(resource, object_id)
        return self._data(response, "PATCH", path)

    def _action(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """A call whose answer carries nothing the client uses (204 expected).

        A JSON body is ignored, but a body that is not JSON (a proxy's HTML page, a body cut
        off) is refused: nothing then shows that impCentral did the work.
        """
        response = self._request(method, path, body=body, headers=headers)
        if response.body_problem not in (None, EMPTY_BODY):
            raise _unexpected(response, response.body_problem, method, path)

    def _delete(self, path: str) -> None:
        try:
            self._action("DELETE", path)
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

    def _data(self, response: Response, method: str, path: str) -> Resource:
        """The checked resource object of a single-resource answer."""
        shown = self._transport.display_path(self._transport.url(path))
        problem = response.body_problem or answers.check_single(response.body, shown)
        if problem is not None:
            raise _unexpected(response, problem, method, shown)
        data: Resource = response.body["data"]
        return data


def _unexpected(response: Response, problem: str, method: str, path: str) -> UnexpectedAnswerError:
    return UnexpectedAnswerError(
        response.status, problem, method=method, path=path, attempts=response.attempts
    )
