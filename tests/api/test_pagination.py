"""Pagination helpers with a fake page source (no HTTP); over HTTP: test_pages_http.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from impops.providers.impcentral.api.pagination import (
    collect,
    iterate_pages,
    page_number,
    page_params,
    remaining_pages,
    with_page_number,
)


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


# --- page 1 tells the count: the rest is fetched together --------------------------------------

BASE = "https://h/v5/x?filter%5Bproduct.id%5D=p1"


def link(n: int) -> str:
    return f"{BASE}&page%5Bnumber%5D={n}&page%5Bsize%5D=2"


def test_page_number_and_substitution() -> None:
    assert page_number(link(7)) == 7
    assert page_number("https://h/v5/x?page[number]=3&page[size]=2") == 3
    assert page_number("https://h/v5/x?page%5Bnumber%5D=x") is None
    assert page_number(None) is None
    assert page_number(with_page_number(link(2), 9)) == 9
    assert "filter%5Bproduct.id%5D=p1" in with_page_number(link(2), 9)


def test_remaining_pages_from_last() -> None:
    first = {"links": {"self": link(1), "next": link(2), "last": link(4)}}
    assert [page_number(u) for u in remaining_pages(first)] == [2, 3, 4]
    assert remaining_pages({"links": {"self": link(1), "last": link(1)}}) == []
    # no `last` (what impt saw on the real API): just the next page
    assert remaining_pages({"links": {"next": link(2)}}) == [link(2)]
    # links that are not page-numbered are followed, never guessed at
    cursor = {"links": {"next": "https://h/v5/x?cursor=abc", "last": link(9)}}
    assert remaining_pages(cursor) == ["https://h/v5/x?cursor=abc"]


def numbered(pages: list[list[str]], last: int | None = None) -> dict[int, Any]:
    shown_last = last if last is not None else len(pages)
    docs = {}
    for n, ids in enumerate(pages, start=1):
        links = {"self": link(n), "last": link(shown_last)}
        if n < len(pages):
            links["next"] = link(n + 1)
        docs[n] = {"data": [{"type": "t", "id": i} for i in ids], "links": links}
    return docs


def test_pages_after_the_first_go_through_fetch_many() -> None:
    docs = numbered([["a", "b"], ["c", "d"], ["e", "f"], ["g"]])
    single: list[str] = []
    batches: list[list[int]] = []

    def fetch(path: str, params: Mapping[str, str] | None) -> Any:
        single.append(path)
        return docs[1] if params is not None else docs[page_number(path) or 0]

    def fetch_many(urls: Sequence[str]) -> list[Any]:
        batches.append([page_number(u) or 0 for u in urls])
        return [docs[page_number(u) or 0] for u in urls]

    items = collect(iterate_pages(fetch, "/x", {"page[size]": "2"}, fetch_many))
    assert [i["id"] for i in items] == list("abcdefg")
    assert single == ["/x"]
    assert batches == [[2, 3, 4]]


def test_a_list_that_grew_is_read_to_its_end() -> None:
    # page 1 said 2 pages; by the time page 2 is read there is a third
    docs = numbered([["a", "b"], ["c", "d"], ["e"]], last=2)
    docs[1]["links"]["last"] = link(2)

    def fetch(path: str, params: Mapping[str, str] | None) -> Any:
        return docs[1] if params is not None else docs[page_number(path) or 0]

    def fetch_many(urls: Sequence[str]) -> list[Any]:
        return [docs[page_number(u) or 0] for u in urls]

    items = collect(iterate_pages(fetch, "/x", {}, fetch_many))
    assert [i["id"] for i in items] == list("abcde")
