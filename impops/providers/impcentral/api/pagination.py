"""Fully paginated list reads: page 1, then the rest concurrently when page 1 tells the count.

impCentral lists are paginated with `page[number]`/`page[size]`; every page carries absolute
`links`, with `next` absent on the last one (reference §7). When page 1's `links` also name
the `last` page (the emulator sends `first`/`last`; the real API's `last` is a JSON:API
convention not yet observed, and no client uses list `meta` counts), pages 2..last are fetched
together (`fetch_many`, under the client's shared rate limiter); otherwise `next` is followed
one page at a time. Either way `next` is followed from the last page read, so a list that grew
during the read is still read to its end, and a `next` already visited ends the loop.

impt notes that the real API sometimes repeats an entity across pages, so items are
de-duplicated by `(type, id)`, keeping the first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PAGE_SIZE = 100
MAX_PAGES = 100_000  # a guard against a server that never stops; 10 million objects

FetchPage = Callable[[str, Mapping[str, str] | None], Any]
FetchMany = Callable[[Sequence[str]], list[Any]]
_NUMBER = "page[number]"


def page_params(filters: Mapping[str, str] | None, page_size: int = PAGE_SIZE) -> dict[str, str]:
    """Query parameters of a first page: `filter[<key>]` for each filter plus `page[size]`."""
    params = {f"filter[{key}]": value for key, value in (filters or {}).items()}
    params["page[size]"] = str(page_size)
    return params


def page_number(url: object) -> int | None:
    """The `page[number]` of a page link (either bracket encoding), if it has a valid one."""
    if not isinstance(url, str):
        return None
    for key, value in parse_qsl(urlsplit(url).query):
        if key == _NUMBER:
            return int(value) if value.isdigit() else None
    return None


def with_page_number(url: str, number: int) -> str:
    """`url` with its `page[number]` replaced (other parameters kept in order)."""
    parts = urlsplit(url)
    query = [(k, str(number) if k == _NUMBER else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def remaining_pages(first: Any) -> list[str]:
    """URLs of pages 2..last when page 1 names its last page by number; else `[next]` or []."""
    links = first.get("links") if isinstance(first, Mapping) else None
    if not isinstance(links, Mapping):
        return []
    next_url = links.get("next")
    if not isinstance(next_url, str) or not next_url:
        return []
    last = page_number(links.get("last"))
    if page_number(next_url) != 2 or last is None or not 2 <= last <= MAX_PAGES:
        return [next_url]
    return [next_url] + [with_page_number(next_url, n) for n in range(3, last + 1)]


def iterate_pages(
    fetch: FetchPage,
    path: str,
    params: Mapping[str, str],
    fetch_many: FetchMany | None = None,
) -> Iterator[Any]:
    """Yield each page body: `fetch(path, params)` first, then the others (see module doc).

    Without `fetch_many` (or when page 1 does not tell the count) pages are read one by one.
    """
    body = fetch(path, params)
    yield body
    seen: set[str] = set()
    pages = 1
    planned = remaining_pages(body) if fetch_many is not None else []
    if fetch_many is not None and len(planned) > 1:
        seen.update(planned)
        pages += len(planned)
        bodies = fetch_many(planned)
        yield from bodies
        body = bodies[-1]
    while pages < MAX_PAGES:
        links = body.get("links") if isinstance(body, Mapping) else None
        next_url = links.get("next") if isinstance(links, Mapping) else None
        if not isinstance(next_url, str) or not next_url or next_url in seen:
            return
        seen.add(next_url)
        pages += 1
        body = fetch(next_url, None)
        yield body


def collect(pages: Iterator[Any]) -> list[dict[str, Any]]:
    """All resource objects of all pages, first occurrence of each `(type, id)` kept."""
    items: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for body in pages:
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            continue
        for item in data:
            if not isinstance(item, dict):
                continue
            key = (str(item.get("type", "")), str(item.get("id", "")))
            if item.get("id") is not None and key in seen:
                continue
            seen.add(key)
            items.append(item)
    return items
