"""Pagination helpers with a fake page source (no HTTP)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from impops.providers.impcentral.api.pagination import collect, iterate_pages, page_params


def test_page_params() -> None:
    assert page_params({"product.id": "p1"}) == {"filter[product.id]": "p1", "page[size]": "100"}
    assert page_params(None, 5) == {"page[size]": "5"}


def make_pages(pages: list[list[str]]) -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for n, ids in enumerate(pages, start=1):
        links = {"self": f"https://h/v5/x?page={n}"}
        if n < len(pages):
            links["next"] = f"https://h/v5/x?page={n + 1}"
        docs[links["self"]] = {"data": [{"type": "t", "id": i} for i in ids], "links": links}
    return docs


def test_follows_next_and_deduplicates() -> None:
    docs = make_pages([["a", "b"], ["b", "c"], ["d"]])
    calls: list[tuple[str, Mapping[str, str] | None]] = []

    def fetch(path: str, params: Mapping[str, str] | None) -> Any:
        calls.append((path, params))
        return docs["https://h/v5/x?page=1"] if path == "/x" else docs[path]

    items = collect(iterate_pages(fetch, "/x", {"page[size]": "2"}))
    assert [i["id"] for i in items] == ["a", "b", "c", "d"]
    assert calls[0] == ("/x", {"page[size]": "2"})
    assert calls[1] == ("https://h/v5/x?page=2", None)
    assert len(calls) == 3


def test_stops_on_a_repeated_next_link() -> None:
    loop = {"data": [{"type": "t", "id": "a"}], "links": {"next": "https://h/v5/x?page=2"}}
    count = 0

    def fetch(path: str, params: Mapping[str, str] | None) -> Any:
        nonlocal count
        count += 1
        return loop

    assert len(collect(iterate_pages(fetch, "/x", {}))) == 1
    assert count == 2


def test_null_next_and_missing_links_end_the_list() -> None:
    docs: list[dict[str, Any]] = [{"data": [], "links": {"next": None}}, {"data": []}]
    for doc in docs:

        def fetch(path: str, params: Mapping[str, str] | None, d: Any = doc) -> Any:
            return d

        assert collect(iterate_pages(fetch, "/x", {})) == []
