"""Fully paginated list reads: follow `links.next`, de-duplicate ids across pages.

impCentral lists are paginated with `page[number]`/`page[size]`; every page carries absolute
`links`, with `next` absent on the last one (reference §7). impt notes that the real API
sometimes repeats an entity across pages, so items are de-duplicated by `(type, id)`,
keeping the first occurrence. A `next` link that was already visited ends the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

PAGE_SIZE = 100
MAX_PAGES = 100_000  # a guard against a server that never stops; 10 million objects

FetchPage = Callable[[str, Mapping[str, str] | None], Any]


def page_params(filters: Mapping[str, str] | None, page_size: int = PAGE_SIZE) -> dict[str, str]:
    """Query parameters of a first page: `filter[<key>]` for each filter plus `page[size]`."""
    params = {f"filter[{key}]": value for key, value in (filters or {}).items()}
    params["page[size]"] = str(page_size)
    return params


def iterate_pages(fetch: FetchPage, path: str, params: Mapping[str, str]) -> Iterator[Any]:
    """Yield each page body: `fetch(path, params)` first, then `fetch(next_url, None)`."""
    body = fetch(path, params)
    seen: set[str] = set()
    pages = 1
    while True:
        yield body
        links = body.get("links") if isinstance(body, Mapping) else None
        next_url = links.get("next") if isinstance(links, Mapping) else None
        if not isinstance(next_url, str) or not next_url or next_url in seen:
            return
        if pages >= MAX_PAGES:
            return
        seen.add(next_url)
        pages += 1
        body = fetch(next_url, None)


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
