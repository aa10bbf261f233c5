"""A varied live account for the export round trip, built over HTTP (client + emulator admin)."""

from __future__ import annotations

from typing import Any

from adopt_helpers import devices, make_group, ref

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient

PRODUCT = "Weather: Station #1"  # needs quoting in YAML
OTHER = "asset-tracker"
SECRETS = {
    "API_KEY": "sk-live-0123456789",
    "BLESSING_URL": "https://factory.example.com/bless?token=s3cr3t-token",
}


def build(client: ImpCentralClient, emulator: EmulatorServer) -> dict[str, Any]:
    """Every group type, targets, region and load_code_after_blessing, env vars (one secret,
    one literal `${`), webhooks of each event and content type, devices, a flagged and
    min-supported deployment, a zombie deployment and names needing quoting."""
    ids = devices(client)
    p = client.create_product(PRODUCT, "Solar: outdoor units")
    pid = str(p["id"])
    prod = make_group(
        client, pid, "production", "production", region="eu-west",
        description="customers", env_vars={"API_KEY": SECRETS["API_KEY"], "INTERVAL": 300},
    )  # fmt: skip
    client.update_device_group(
        str(prod["id"]), "production_devicegroup", {"load_code_after_blessing": False}
    )
    pre = make_group(client, pid, "pre_production", "pre prod", region="us-east")
    dut = make_group(client, pid, "dut", "dut")
    pre_dut = make_group(client, pid, "pre_dut", "yes")  # a YAML 1.1 boolean
    make_group(client, pid, "factoryfixture", "factory", (ref(prod), ref(dut)))
    make_group(client, pid, "pre_factoryfixture", "pre-factory", (ref(pre), ref(pre_dut)))
    dev = make_group(
        client, pid, "development", "dev: 1 #lab",
        env_vars={"TEMPLATE": "${NOT_A_VAR}", "URL": "https://api.example.com/v1"},
    )  # fmt: skip
    for group, code in ((prod, "prod"), (dev, "dev"), (pre, "")):
        dep = client.create_deployment(
            str(group["id"]),
            str(group["type"]),
            {
                "agent_code": f"// agent {code}\nserver.log(1);\n" if code else "",
                "device_code": f"// device {code}\n" if code else "",
                "description": f"{code} build",
                "tags": ["release", "impops"] if code == "prod" else [],
                "flagged": code == "prod",
            },
        )
        if code == "prod":
            client.set_min_supported_deployment(str(prod["id"]), str(dep["id"]))
    client.create_webhook(
        str(prod["id"]), "production_devicegroup",
        {"event": "blessing", "url": SECRETS["BLESSING_URL"], "content_type": "application/json"},
    )  # fmt: skip
    client.create_webhook(
        str(prod["id"]), "production_devicegroup",
        {"event": "blinkup", "url": "https://factory.example.com/blinkup",
         "content_type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    client.create_webhook(
        str(dev["id"]), "development_devicegroup",
        {"event": "deployment", "url": "https://hooks.example.com/deploy",
         "content_type": "application/json"},
    )  # fmt: skip
    client.assign_devices(str(dev["id"]), ids[:2])
    emulator.admin("POST", f"devices/{ids[2]}/assign", {"devicegroup": str(prod["id"])})
    # A zombie: the deployment outlives its deleted group (group_delete="keep").
    old = make_group(client, pid, "development", "old")
    client.create_deployment(
        str(old["id"]), "development_devicegroup", {"agent_code": "//old", "device_code": ""}
    )
    client.delete_device_group(str(old["id"]))
    other = client.create_product(OTHER)
    tracker = make_group(client, str(other["id"]), "development", "lab")
    client.create_deployment(
        str(tracker["id"]), "development_devicegroup", {"agent_code": "", "device_code": "//t"}
    )
    client.assign_devices(str(tracker["id"]), [ids[3]])
    return {"dev": dev, "prod": prod, "devices": ids}


def secret_env(output: str) -> dict[str, str]:
    """The values of the variables export listed, as the user would set them."""
    found = {}
    for line in output.splitlines():
        name = line.strip().split(" ", 1)[0]
        if name.endswith("_API_KEY"):
            found[name] = SECRETS["API_KEY"]
        elif name.endswith("_BLESSING_HOOK_URL"):
            found[name] = SECRETS["BLESSING_URL"]
    return found
