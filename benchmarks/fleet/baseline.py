"""The serial baseline: what a hand-written script using `requests` would do.

Log in with the login key, list products, then per product its device groups, per group its
current deployment (`GET /deployments/{id}`) and webhooks (`filter[devicegroup.id]`, the only
webhook filter), following `links.next` at page size 100, one request at a time; on 429 wait
one second and retry (what impt does). It compares each group's code with the files on disk
and, with `deploy=True`, creates a deployment for each group whose code differs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from benchmarks.fleet.workload import Fleet


class Script:
    """A hand-written serial client (no pacing, no concurrency)."""

    def __init__(self, endpoint: str, login_key: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.http = requests.Session()
        token = self.http.post(f"{self.endpoint}/auth/token", json={"key": login_key}).json()
        self.http.headers["Authorization"] = f"Bearer {token['access_token']}"
        self.http.headers["Content-Type"] = "application/vnd.api+json"

    def call(self, method: str, url: str, **kw: Any) -> Any:
        while True:
            answer = self.http.request(method, url, **kw)
            if answer.status_code != 429:
                answer.raise_for_status()
                return answer.json() if answer.content else None
            time.sleep(1.0)

    def list(self, path: str, **filters: str) -> list[dict[str, Any]]:
        params = {f"filter[{k}]": v for k, v in filters.items()}
        params["page[size]"] = "100"
        body = self.call("GET", f"{self.endpoint}{path}", params=params)
        items = list(body["data"])
        while body.get("links", {}).get("next"):
            body = self.call("GET", body["links"]["next"])
            items += body["data"]
        return items


def run(endpoint: str, login_key: str, root: Path, fleet: Fleet, deploy: bool = False) -> int:
    """Read the fleet (and deploy changed code); returns how many groups differ."""
    script = Script(endpoint, login_key)
    names = {fleet.product_name(p) for p in range(fleet.products)}
    differ = 0
    for product in script.list("/products"):
        pname = product["attributes"]["name"]
        if pname not in names:
            continue
        for group in script.list("/devicegroups", **{"product.id": product["id"]}):
            gname = group["attributes"]["name"]
            script.list("/webhooks", **{"devicegroup.id": group["id"]})
            agent = (root / pname / "src" / f"{gname}.agent.nut").read_text()
            device = (root / pname / "src" / f"{gname}.device.nut").read_text()
            current = (group.get("relationships") or {}).get("current_deployment")
            if current:
                dep = script.call("GET", f"{script.endpoint}/deployments/{current['id']}")
                code = dep["data"]["attributes"]
                if (code["agent_code"], code["device_code"]) == (agent, device):
                    continue
            differ += 1
            if deploy:
                rel = {"devicegroup": {"type": group["type"], "id": group["id"]}}
                attributes = {"agent_code": agent, "device_code": device, "tags": ["gitops"]}
                data = {"type": "deployment", "attributes": attributes, "relationships": rel}
                script.call("POST", f"{script.endpoint}/deployments", json={"data": data})
    return differ
