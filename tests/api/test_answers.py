"""Malformed 2xx answers over real HTTP (scripted server): each is a clear, typed error naming the
request, never a silently misread state (issue 9)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from impops.errors import ExitCode, ImpopsError
from impops.providers.impcentral.api import ImpCentralClient, TransportError
from impops.providers.impcentral.api.errors import UnexpectedAnswerError
from impops.providers.impcentral.settings import Settings

from .scripted import Answer, Script, scripted_server

KEY = "5c71d7e3a9b24f60"
GROUPS = "/v5/devicegroups?page%5Bsize%5D=100"
PRODUCTS = "/v5/products?page%5Bsize%5D=100"
LINKS = {"self": "http://x/v5/devicegroups"}


def group(gid: str = "g1", **attributes: Any) -> dict[str, Any]:
    return {
        "type": "development_devicegroup",
        "id": gid,
        "attributes": {"name": gid, **attributes},
        "relationships": {"product": {"type": "product", "id": "p1"}},
    }


@pytest.fixture
def script() -> Iterator[Script]:
    with scripted_server() as s:
        yield s


def make(script: Script) -> ImpCentralClient:
    settings = Settings(endpoint=script.url, login_key=KEY, rate_limit=0, timeout=5)
    return ImpCentralClient(settings, backoff_base=0.01)


def raw(body: str | bytes, content_type: str = "application/vnd.api+json") -> Answer:
    data = body.encode() if isinstance(body, str) else body
    return Answer(200, raw=data, headers={"Content-Type": content_type})


# (answer to GET /devicegroups, the problem the error must state)
LIST_CASES: list[tuple[str, Answer, str]] = [
    ("data-object", Answer(200, {"data": {"id": 5}, "links": LINKS}), "`data` is not a list"),
    ("data-null", Answer(200, {"data": None, "links": LINKS}), "`data` is not a list (got null)"),
    ("data-missing", Answer(200, {"links": LINKS}), "`data` is missing"),
    ("null-item", Answer(200, {"data": [None, group()], "links": LINKS}), "`data[0]` is not an"),
    ("string-item", Answer(200, {"data": ["g1"], "links": LINKS}), "`data[0]` is not an object"),
    (
        "list-name",
        Answer(200, {"data": [group(), group("g2", name=["a"])], "links": LINKS}),
        "`data[1].attributes.name` is not a string (got a list)",
    ),
    (
        "null-name",
        Answer(200, {"data": [group(name=None)], "links": LINKS}),
        "`data[0].attributes.name` is not a string (got null)",
    ),
    (
        "numeric-id",
        Answer(200, {"data": [{**group(), "id": 5}], "links": LINKS}),
        "`data[0].id` is not a string (got a number)",
    ),
    (
        "empty-id",
        Answer(200, {"data": [{**group(), "id": ""}], "links": LINKS}),
        "`data[0].id` is empty",
    ),
    (
        "wrong-kind",
        Answer(200, {"data": [{**group(), "type": "webhook"}], "links": LINKS}),
        "`data[0].type` is 'webhook', expected",
    ),
    (
        "attributes-list",
        Answer(200, {"data": [{**group(), "attributes": []}], "links": LINKS}),
        "`data[0].attributes` is not an object",
    ),
    (
        "bad-relationship",
        Answer(200, {"data": [{**group(), "relationships": {"product": "p1"}}], "links": LINKS}),
        "relationship `product` is not a {type, id} object",
    ),
    (
        "relationship-without-id",
        Answer(
            200,
            {"data": [{**group(), "relationships": {"product": {"type": "product"}}}], "links": {}},
        ),
        "relationship `product` has no string `id`",
    ),
    (
        "env-vars-list",
        Answer(200, {"data": [group(env_vars=["A"])], "links": LINKS}),
        "`data[0].attributes.env_vars` is not an object",
    ),
    ("links-missing", Answer(200, {"data": [group()]}), "`links` is missing"),
    (
        "links-next-number",
        Answer(200, {"data": [group()], "links": {"next": 2}}),
        "`links.next` is not a string",
    ),
    (
        "meta-list",
        Answer(200, {"data": [], "links": LINKS, "meta": [1]}),
        "`meta` is not an object",
    ),
    ("top-level-list", Answer(200, [group()]), "the body is not a JSON object (got a list)"),
    ("json-null", raw("null"), "the body is not a JSON object (got null)"),
    ("truncated", raw('{"data": [{"type": "development_devicegroup", "id": "g'), "cut short"),
    (
        "html",
        raw("<html><body>Sign in to the Wi-Fi</body></html>", "text/html; charset=utf-8"),
        "the body is not JSON (text/html)",
    ),
    ("empty", raw(b""), "the body is empty"),
    ("not-utf8", raw(b"\xff\xfe\x00garbage"), "the body is not JSON"),
    ("deep", raw("[" * 100_000 + "]" * 100_000), "nested too deeply"),
]


@pytest.mark.parametrize(
    ("answer", "problem"), [c[1:] for c in LIST_CASES], ids=[c[0] for c in LIST_CASES]
)
def test_malformed_list_answer_is_a_clear_error(
    script: Script, answer: Answer, problem: str
) -> None:
    script.on("GET", GROUPS, answer)
    with make(script) as client, pytest.raises(UnexpectedAnswerError) as caught:
        client.list_device_groups()
    message = str(caught.value)
    assert message.startswith("unexpected answer from impCentral to GET /devicegroups: ")
    assert problem in message
    # it is an ordinary impops error: the CLI prints it and exits 1, no traceback
    assert isinstance(caught.value, ImpopsError)
    assert caught.value.exit_code is ExitCode.ERROR
    assert caught.value.status == 200


def test_the_measured_misread_is_now_an_error(script: Script) -> None:
    """Issue 9: `{"data": {"id": 5}}` used to read as an empty list (a plan to recreate all)."""
    script.on("GET", GROUPS, Answer(200, {"data": {"id": 5}}))
    with make(script) as client, pytest.raises(UnexpectedAnswerError) as caught:
        client.list_device_groups()
    assert str(caught.value) == (
        "unexpected answer from impCentral to GET /devicegroups: `data` is not a list "
        "(got an object) (and 1 more problem)"
    )


def test_a_bad_later_page_fails_the_whole_list(script: Script) -> None:
    second = "/v5/devicegroups?page%5Bnumber%5D=2&page%5Bsize%5D=100"
    links = {"next": f"{script.url}/devicegroups?page%5Bnumber%5D=2&page%5Bsize%5D=100"}
    script.on("GET", GROUPS, Answer(200, {"data": [group()], "links": links}))
    script.on("GET", second, Answer(200, {"data": [None], "links": {}}))
    with make(script) as client, pytest.raises(UnexpectedAnswerError, match=r"`data\[0\]`"):
        client.list_device_groups()


def test_valid_answers_pass_unchanged(script: Script) -> None:
    """What passes is returned as the server sent it: plain dicts, nulls and extras kept."""
    item = group(description=None, region="", env_vars=None, extra_field={"x": 1})
    item["relationships"]["standard"] = {"data": {"type": "product", "id": "p1"}}
    item["relationships"]["many"] = [{"type": "device", "id": "d1"}]
    item["relationships"]["absent"] = {"data": None}
    script.on("GET", GROUPS, Answer(200, {"data": [item], "links": {}, "meta": {"n": 1}}))
    with make(script) as client:
        assert client.list_device_groups() == [item]


# (method name, args, path of the request, answer, problem)
SINGLE_CASES: list[tuple[str, tuple[Any, ...], str, str, Answer, str]] = [
    (
        "get-data-list",
        ("get_product", ("p1",)),
        "GET",
        "/v5/products/p1",
        Answer(200, {"data": [{"type": "product", "id": "p1"}]}),
        "GET /products/p1: `data` is not an object (got a list)",
    ),
    (
        "get-wrong-kind",
        ("get_product", ("p1",)),
        "GET",
        "/v5/products/p1",
        Answer(200, {"data": {"type": "account", "id": "p1", "attributes": {}}}),
        "GET /products/p1: `data.type` is 'account', expected 'product'",
    ),
    (
        "get-code-not-string",
        ("get_deployment", ("d1",)),
        "GET",
        "/v5/deployments/d1",
        Answer(
            200,
            {
                "data": {
                    "type": "deployment",
                    "id": "d1",
                    "attributes": {"device_code": "x", "agent_code": {"a": 1}},
                }
            },
        ),
        "GET /deployments/d1: `data.attributes.agent_code` is not a string (got an object)",
    ),
    (
        "get-tags-not-strings",
        ("get_deployment", ("d1",)),
        "GET",
        "/v5/deployments/d1",
        Answer(
            200,
            {
                "data": {
                    "type": "deployment",
                    "id": "d1",
                    "attributes": {"device_code": "", "agent_code": "", "tags": [1]},
                }
            },
        ),
        "`data.attributes.tags[0]` is not a string (got a number)",
    ),
    (
        "get-flagged-string",
        ("get_deployment", ("d1",)),
        "GET",
        "/v5/deployments/d1",
        Answer(
            200,
            {
                "data": {
                    "type": "deployment",
                    "id": "d1",
                    "attributes": {"device_code": "", "agent_code": "", "flagged": "false"},
                }
            },
        ),
        "`data.attributes.flagged` is not a boolean (got a string)",
    ),
    (
        "get-empty-200",
        ("get_device", ("d1",)),
        "GET",
        "/v5/devices/d1",
        raw(b""),
        "GET /devices/d1: the body is empty",
    ),
    (
        "me-html",
        ("me", ()),
        "GET",
        "/v5/accounts/me",
        raw("<html></html>", "text/html"),
        "GET /accounts/me: the body is not JSON (text/html)",
    ),
    (
        "patch-html",
        ("update_product", ("p1", {"description": "x"})),
        "PATCH",
        "/v5/products/p1",
        raw("<html></html>", "text/html"),
        "PATCH /products/p1: the body is not JSON (text/html)",
    ),
    (
        "action-html",
        ("restart_group_devices", ("g1",)),
        "POST",
        "/v5/devicegroups/g1/restart",
        raw("<html></html>", "text/html"),
        "POST /devicegroups/g1/restart: the body is not JSON (text/html)",
    ),
    (
        "webhook-missing-url",
        ("get_webhook", ("w1",)),
        "GET",
        "/v5/webhooks/w1",
        Answer(200, {"data": {"type": "webhook", "id": "w1", "attributes": {"event": "x"}}}),
        "`data.attributes.url` is missing",
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "answer", "problem"),
    [c[1:] for c in SINGLE_CASES],
    ids=[c[0] for c in SINGLE_CASES],
)
def test_malformed_single_answer_is_a_clear_error(
    script: Script,
    call: tuple[str, tuple[Any, ...]],
    method: str,
    path: str,
    answer: Answer,
    problem: str,
) -> None:
    script.on(method, path, answer)
    name, args = call
    with make(script) as client:
        fn: Callable[..., Any] = getattr(client, name)
        with pytest.raises(UnexpectedAnswerError) as caught:
            fn(*args)
    assert str(caught.value).startswith("unexpected answer from impCentral to ")
    assert problem in str(caught.value)


def test_action_with_a_json_body_is_fine(script: Script) -> None:
    script.on("POST", "/v5/devicegroups/g1/restart", Answer(200, {"anything": True}))
    with make(script) as client:
        client.restart_group_devices("g1")


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (Answer(200, {"expires_in": 3600}), "`access_token` is missing"),
        (Answer(200, {"access_token": ["t"]}), "`access_token` is not a string"),
        (Answer(200, [1]), "the body is not a JSON object"),
        (raw("<html></html>", "text/html"), "the body is not JSON (text/html)"),
    ],
)
def test_malformed_auth_answer(script: Script, answer: Answer, problem: str) -> None:
    script.on("POST", "/v5/auth/token", answer)
    with make(script) as client, pytest.raises(UnexpectedAnswerError) as caught:
        client.get_product("p1")
    assert str(caught.value).startswith("unexpected answer from impCentral to POST /auth/token: ")
    assert problem in str(caught.value)
    assert KEY not in str(caught.value)


def test_malformed_create_answer_is_looked_up_not_duplicated(script: Script) -> None:
    """A create answered with HTML may have landed: the client looks before it retries."""
    product = {"type": "product", "id": "p9", "attributes": {"name": "new"}}
    script.on("GET", "/v5/accounts/me", Answer(200, {"data": {"type": "account", "id": "a1"}}))
    script.on("POST", "/v5/products", raw("<html></html>", "text/html"))
    mine = "/v5/products?filter%5Bowner.id%5D=a1&page%5Bsize%5D=100"
    script.on("GET", mine, Answer(200, {"data": [product], "links": {}}))
    with make(script) as client:
        assert client.create_product("new") == product
    assert len(script.requests("POST")) == 2  # the token exchange and one create


def test_unexpected_answer_is_a_transport_error_and_pickles(script: Script) -> None:
    import pickle

    err = UnexpectedAnswerError(200, "`data` is not a list", method="GET", path="/products")
    assert isinstance(err, TransportError)
    again = pickle.loads(pickle.dumps(err))
    assert (
        str(again)
        == str(err)
        == ("unexpected answer from impCentral to GET /products: `data` is not a list")
    )
    assert json.dumps(str(err))  # plain text


def test_live_read_of_a_misshapen_list_fails_instead_of_planning(script: Script) -> None:
    """End to end through the live reader: no State (and so no plan) from a misread list."""
    from impops.providers.impcentral.live import read_live

    product = {"type": "product", "id": "p1", "attributes": {"name": "fleet"}}
    script.on("GET", PRODUCTS, Answer(200, {"data": [product], "links": {}}))
    script.on(
        "GET",
        "/v5/devicegroups?filter%5Bproduct.id%5D=p1&page%5Bsize%5D=100",
        Answer(200, {"data": {"id": 5}, "links": {}}),
    )
    script.on(
        "GET",
        "/v5/devices?filter%5Bproduct.id%5D=p1&page%5Bsize%5D=100",
        Answer(200, {"data": [], "links": {}}),
    )
    with make(script) as client, pytest.raises(UnexpectedAnswerError, match="`data` is not a list"):
        read_live(client, ["fleet"])
