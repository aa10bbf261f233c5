"""Conformance: the official Node client, npm ``imp-central-api@1.7.0``, against the emulator.

The scenario (``node/scenario.js``) drives a fresh emulator through the client's public API and
prints one JSON line per check. It runs once per module; every check is then its own pytest
result, so a failure names the check and carries the scenario's detail. Emulator bugs found this
way are recorded in ``FINDINGS.md`` next to this file.

Set-up: the Node dependencies are installed with ``npm ci`` from the committed lock file when
``node_modules/imp-central-api`` is missing (or not the pinned version). Without node/npm on
PATH the module is skipped.

The emulator is started here rather than through the shared function-scoped ``emulator``
fixture: the single scenario run is shared by all the per-check results (module scope), and the
seed is the default one plus a second, two-factor account (``OTP_ACCOUNT``). The node process is
given the emulator's 127.0.0.1 URLs and no proxy settings, so it talks to nothing else.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from npm_locked import ensure_package  # noqa: E402

pytestmark = pytest.mark.conformance

NODE_DIR = Path(__file__).resolve().parent / "node"
CLIENT_PACKAGE = "imp-central-api"
CLIENT_VERSION = "1.7.0"
SCENARIO_TIMEOUT_S = 240

# The default seed's account (docs/emulator.md, issue 2) ...
SEED_ENV = {
    "IMPOPS_SEED_LOGIN_KEY": "0123456789abcdef",
    "IMPOPS_SEED_USERNAME": "operator",
    "IMPOPS_SEED_EMAIL": "operator@example.com",
    "IMPOPS_SEED_PASSWORD": "impops-demo",
    "IMPOPS_SEED_DEVICES": "8",
    "IMPOPS_SEED_UNBOND_KEY": "impops-demo-unbond-key",
}
# ... plus a second account the scenario adds to the default seed: two-factor login, not
# production-enabled, no devices. It exercises loginWithOTP, "Invalid Permission" and the
# isolation between accounts.
OTP_ACCOUNT: dict[str, Any] = {
    "username": "otp-operator",
    "email": "otp-operator@example.com",
    "password": "impops-otp-demo",
    "production": False,
    "totp_secret": "JBSWY3DPEHPK3PXP",
    "login_keys": [{"id": "aaaabbbbccccdddd", "description": "conformance second account"}],
}
SEED_ENV.update(
    {
        "IMPOPS_SEED_OTP_USERNAME": OTP_ACCOUNT["username"],
        "IMPOPS_SEED_OTP_PASSWORD": OTP_ACCOUNT["password"],
        "IMPOPS_SEED_OTP_SECRET": OTP_ACCOUNT["totp_secret"],
        "IMPOPS_SEED_OTP_LOGIN_KEY": OTP_ACCOUNT["login_keys"][0]["id"],
    }
)

# Every check scenario.js reports, in order. test_reports_exactly_the_expected_checks keeps
# this list and the scenario in step.
EXPECTED_CHECKS: tuple[str, ...] = (
    # authentication
    "auth.login.username_password",
    "auth.login.email_password",
    "auth.login.wrong_password",
    "auth.login.empty_password",
    "auth.login_key",
    "auth.login_key.unknown",
    "auth.refresh",
    "auth.refresh.unknown_token",
    "auth.refresh_tokens.list",
    "auth.refresh_tokens.delete",
    "auth.otp.required_403",
    "auth.otp.login",
    "auth.otp.wrong_code",
    "auth.expired_token_401",
    "auth.login.repeated_password_logins",
    "auth.refresh_tokens.delete_unknown_404",
    "auth.bad_token_401",
    # accounts and login keys
    "accounts.get_me",
    "accounts.get_by_id",
    "accounts.list",
    "accounts.get_unknown_404",
    "login_keys.list",
    "login_keys.create",
    "login_keys.create_without_description",
    "login_keys.create_wrong_password",
    "login_keys.get",
    "login_keys.update",
    "login_keys.exchange_new_key",
    "login_keys.pagination",
    "login_keys.account_limit",
    "login_keys.delete",
    # products
    "products.create",
    "products.create_with_owner",
    "products.duplicate_name",
    "products.duplicate_description_allowed",
    "products.create.invalid_name",
    "products.concurrent_duplicate_creates",
    "products.get",
    "products.update",
    "products.update_duplicate_name",
    "products.list_filter_owner",
    "products.pagination",
    "products.pagination_beyond_last",
    "products.get_unknown_404",
    "products.get_wrong_type_404",
    "products.delete",
    # device groups
    "devicegroups.create.development",
    "devicegroups.create.pre_production",
    "devicegroups.create.production",
    "devicegroups.create.pre_dut",
    "devicegroups.create.dut",
    "devicegroups.create.pre_factoryfixture",
    "devicegroups.create.factoryfixture",
    "devicegroups.load_code_after_blessing_default",
    "devicegroups.create.fixture_target_pairing_refused",
    "devicegroups.create.target_type_mismatch_refused",
    "devicegroups.create.invalid_env_vars",
    "devicegroups.create.all_seven_types",
    "devicegroups.create.second_product",
    "devicegroups.duplicate_name",
    "devicegroups.get",
    "devicegroups.update",
    "devicegroups.update.load_code_after_blessing",
    "devicegroups.update.fixture_targets",
    "devicegroups.update.fixture_without_targets",
    "devicegroups.update.type_change_refused",
    "devicegroups.update.duplicate_name",
    "devicegroups.filter_type",
    "devicegroups.filter_product",
    "devicegroups.pagination",
    "devicegroups.get_unknown_404",
    "devicegroups.get_wrong_type_404",
    "devicegroups.delete",
    "products.delete_with_groups_refused",
    # deployments
    "deployments.create",
    "deployments.becomes_current",
    "deployments.min_supported_initial",
    "deployments.create.invalid_tag",
    "deployments.create.embedded_nul",
    "deployments.create.group_type_mismatch",
    "deployments.create_more",
    "deployments.get",
    "deployments.update",
    "deployments.list_filter_devicegroup",
    "deployments.list_filter_flagged",
    "deployments.list_filter_tags",
    "deployments.list_filter_owner_creator_flagger",
    "deployments.list_filter_product_sha",
    "deployments.pagination",
    "deployments.min_supported",
    "deployments.delete_flagged_refused",
    "deployments.min_supported_older_refused",
    "deployments.min_supported_other_group_refused",
    "deployments.delete_min_supported_refused",
    "deployments.delete",
    "deployments.get_unknown_404",
    "deployments.get_wrong_type_404",
    "deployments.concurrent_creates",
    # webhooks
    "webhooks.create.json",
    "webhooks.create.form",
    "webhooks.invalid_url",
    "webhooks.blessing_on_development_refused",
    "webhooks.create.group_type_mismatch",
    "webhooks.get",
    "webhooks.update",
    "webhooks.update_invalid_url",
    "webhooks.list_filter_devicegroup",
    "webhooks.pagination",
    "webhooks.delete",
    "webhooks.get_unknown_404",
    # devices
    "devices.list_unassigned",
    "devices.list_all",
    "devices.get_by_id",
    "devices.get_by_mac",
    "devices.add_to_group",
    "devices.get_by_agent_id",
    "devices.get_unknown_404",
    "devices.get_wrong_type_404",
    "devices.list_filters",
    "devices.pagination",
    "devices.update_name",
    "devices.update_name_roundtrip",
    "devices.restart",
    "devices.conditional_restart",
    "devices.restart_unassigned_refused",
    "devicegroups.restart",
    "devicegroups.conditional_restart",
    "devices.add_unknown_device",
    "devices.add_partial_failure",
    "devices.remove_not_assigned",
    "devices.reassign_directly",
    "devices.add_to_fixture_group",
    "devices.imp001_not_in_fixture_group",
    "devices.add_to_production_refused",
    "devices.remove_from_group",
    "devices.agent_id_persists",
    "devices.production_unbond",
    "devicegroups.delete_with_devices_refused",
    "devicegroups.delete_target_refused",
    # historical logs
    "devices.logs",
    "devices.logs.newest_first",
    "devices.logs.by_mac_and_agent_id",
    "devices.logs.pagination",
    "devices.logs.unknown_404",
    # log streams
    "logstreams.create",
    "logstreams.add_device",
    "logstreams.receive_message",
    "logstreams.add_unknown_device",
    "logstreams.restart_runs_deployed_code",
    "logstreams.remove_device",
    "logstreams.close",
    "logstreams.five_device_limit",
    "logstreams.new_stream_closes_old",
    "logstreams.json_format_by_mac",
    # a second account: isolation, page sizes, production permission
    "accounts.isolation",
    "pagination.default_and_max_page_size",
    "devicegroups.create.production_without_permission",
    # the emulator's fault and rate-limit hooks
    "errors.injected_503",
    "errors.rate_limited_429",
    # teardown through the API
    "cleanup.unassign_devices",
    "devicegroups.delete_with_flagged_deployments_refused",
    "cleanup.delete_groups",
    "deployments.after_group_delete",
    "cleanup.delete_device",
    "cleanup.delete_products",
)


@dataclass(repr=False)
class ScenarioRun:
    """The outcome of one ``node scenario.js`` run."""

    returncode: int | None
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    stray_stdout: list[str] = field(default_factory=list)
    stderr: str = ""
    timed_out: bool = False

    def __repr__(self) -> str:
        failed = sum(1 for rec in self.checks.values() if rec.get("ok") is not True)
        return f"<ScenarioRun exit={self.returncode} checks={len(self.checks)} failed={failed}>"

    def context(self) -> str:
        """What to show when a check is missing: how the scenario ended."""
        ending = " (timed out)" if self.timed_out else ""
        lines = [f"scenario exit code: {self.returncode}{ending}"]
        aborted = [name for name in self.order if name.endswith(".aborted")]
        for name in aborted:
            lines.append(f"{name}: {_pretty(self.checks[name].get('detail'))}")
        if self.stray_stdout:
            lines.append("non-JSON stdout:\n  " + "\n  ".join(self.stray_stdout[-20:]))
        if self.stderr.strip():
            lines.append("stderr (tail):\n" + self.stderr.strip()[-3000:])
        return "\n".join(lines)


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@pytest.fixture(scope="session")
def node_client() -> str:
    """Path of ``node``, with imp-central-api@1.7.0 installed in tests/conformance/node."""
    return ensure_package(NODE_DIR, CLIENT_PACKAGE, CLIENT_VERSION, "conformance")


def _node_env(base_url: str, v5_url: str, group_delete: str) -> dict[str, str]:
    """The scenario's environment: no proxy, so that node talks to 127.0.0.1 directly."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
        and not key.startswith("IMPOPS_")
    }
    env.update(SEED_ENV)
    env.update(
        {
            "EMULATOR_BASE_URL": base_url,
            "EMULATOR_V5_URL": v5_url,
            "EMULATOR_GROUP_DELETE": group_delete,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    return env


def run_scenario(node: str, base_url: str, v5_url: str, group_delete: str = "keep") -> ScenarioRun:
    """Run scenario.js against the emulator at ``base_url`` and parse its report."""
    assert base_url.startswith("http://127.0.0.1:"), base_url
    cmd = [node, str(NODE_DIR / "scenario.js")]
    try:
        proc = subprocess.run(
            cmd,
            cwd=NODE_DIR,
            env=_node_env(base_url, v5_url, group_delete),
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT_S,
            check=False,
        )
        stdout, stderr, returncode, timed_out = proc.stdout, proc.stderr, proc.returncode, False
    except subprocess.TimeoutExpired as exc:
        stdout = _text(exc.stdout)
        stderr = _text(exc.stderr)
        returncode, timed_out = None, True
    run = ScenarioRun(returncode=returncode, stderr=stderr, timed_out=timed_out)
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or "check" not in record:
            run.stray_stdout.append(line)
            continue
        name = str(record["check"])
        run.checks[name] = record
        run.order.append(name)
    return run


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def _seed() -> dict[str, Any]:
    """The packaged default seed (docs/emulator.md, "The default seed") plus OTP_ACCOUNT."""
    text = resources.files("impops.emulator").joinpath("default_seed.yaml").read_text("utf-8")
    seed = YAML(typ="safe").load(text)
    assert isinstance(seed, dict), "the default seed is not a mapping"
    assert isinstance(seed.get("accounts"), list), "the default seed has no accounts list"
    seed["accounts"].append(copy.deepcopy(OTP_ACCOUNT))
    return seed


def _run_against_fresh_emulator(node: str, group_delete: str) -> ScenarioRun:
    from impops.emulator import EmulatorServer

    server = EmulatorServer(host="127.0.0.1", port=0, seed=_seed(), group_delete=group_delete)
    server.start()
    try:
        return run_scenario(node, server.base_url, server.v5_url, group_delete)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def scenario(node_client: str) -> ScenarioRun:
    """One scenario run against a fresh emulator in its default configuration."""
    return _run_against_fresh_emulator(node_client, "keep")


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_check(scenario: ScenarioRun, name: str) -> None:
    """One check of the scenario: reported, and passed."""
    record = scenario.checks.get(name)
    if record is None:
        pytest.fail(
            f"check {name!r} was not reported by scenario.js\n{scenario.context()}", pytrace=False
        )
    if record.get("ok") is not True:
        pytest.fail(f"{name} failed:\n{_pretty(record.get('detail'))}", pytrace=False)


def test_reports_exactly_the_expected_checks(scenario: ScenarioRun) -> None:
    """EXPECTED_CHECKS and scenario.js agree, and no area of the scenario aborted."""
    unexpected = [name for name in scenario.order if name not in EXPECTED_CHECKS]
    missing = [name for name in EXPECTED_CHECKS if name not in scenario.checks]
    problems = []
    if unexpected:
        problems.append(
            "unexpected checks (new in scenario.js, or an area aborted): "
            + "; ".join(
                f"{name}: {_pretty(scenario.checks[name].get('detail'))}" for name in unexpected
            )
        )
    if missing:
        problems.append("checks not reported: " + ", ".join(missing))
    if problems:
        pytest.fail("\n".join(problems) + "\n" + scenario.context(), pytrace=False)


def test_all_checks_pass(scenario: ScenarioRun) -> None:
    """The whole scenario in one result: every failed check with its detail, and the exit code."""
    _assert_all_passed(scenario)


def test_all_checks_pass_with_group_delete_cascade(node_client: str) -> None:
    """The whole scenario once more with `--group-delete cascade` (impCentral's 2024 behaviour,
    docs/emulator.md decision 6); only `deployments.after_group_delete` expects otherwise."""
    run = _run_against_fresh_emulator(node_client, "cascade")
    missing = [name for name in EXPECTED_CHECKS if name not in run.checks]
    if missing:
        pytest.fail(f"checks not reported: {', '.join(missing)}\n{run.context()}", pytrace=False)
    _assert_all_passed(run)


def _assert_all_passed(scenario: ScenarioRun) -> None:
    failed = [name for name in scenario.order if scenario.checks[name].get("ok") is not True]
    summary = "\n".join(
        f"- {name}: {_pretty(scenario.checks[name].get('detail'))}" for name in failed
    )
    if scenario.timed_out:
        pytest.fail(f"scenario timed out\n{summary}\n{scenario.context()}", pytrace=False)
    if failed:
        pytest.fail(
            f"{len(failed)} of {len(scenario.checks)} checks failed:\n{summary}", pytrace=False
        )
    if scenario.returncode != 0:
        pytest.fail(
            f"no check failed but scenario.js exited {scenario.returncode}\n{scenario.context()}",
            pytrace=False,
        )
