"""`impops comment`: post a saved plan as the sticky PR comment, or a drift report as an issue.

`--plan plan.json` creates or updates the one comment on a pull request that starts with the
plan marker (found across all pages of comments). `--drift drift.json` opens, updates or
resolves the drift issue (rules in `impops.github.sticky`). The token comes only from
`GITHUB_TOKEN` (never a flag, so it is not in shell history or `ps`) and is never printed.

Exit codes: 0 posted (or nothing to post), 1 error (unreadable file, 401/403/404, rate limit
longer than --max-wait, ...).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

from impops import redact
from impops.errors import ConfigError, ExitCode
from impops.github import render, sticky
from impops.github.client import DEFAULT_MAX_WAIT, GitHubClient
from impops.github.context import resolve, run_url

EPILOG = (
    "Environment: GITHUB_TOKEN (required unless --dry-run), GITHUB_REPOSITORY, "
    "GITHUB_EVENT_PATH, GITHUB_API_URL, GITHUB_WORKSPACE. "
    "Exit codes: 0 posted or nothing to do, 1 error."
)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "comment",
        help="post a saved plan as a sticky PR comment, or drift as an issue (GitHub)",
        description="Create or update the sticky impops comment on a GitHub pull request "
        "(--plan), or open/update the drift issue (--drift), through the GitHub REST API.",
        epilog=EPILOG,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--plan", metavar="FILE", help="saved plan (impops plan --out FILE)")
    what.add_argument("--drift", metavar="FILE", help="drift report (impops drift --format json)")
    parser.add_argument("--repo", metavar="OWNER/NAME", help="default: $GITHUB_REPOSITORY")
    parser.add_argument(
        "--pr", type=_positive, metavar="N", help="pull request (default: from GITHUB_EVENT_PATH)"
    )
    parser.add_argument(
        "--issue", type=_positive, metavar="N", help="drift: update this issue, do not search"
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="GitHub API base URL (default: $GITHUB_API_URL or https://api.github.com)",
    )
    parser.add_argument(
        "--key",
        metavar="KEY",
        help="what the marker tells apart (default: manifest directory and --target filters "
        "for a plan, products for drift); one comment or issue per key",
    )
    parser.add_argument(
        "--max-chars",
        type=_positive,
        default=render.DEFAULT_MAX_CHARS,
        metavar="N",
        help=f"size limit of the body (default {render.DEFAULT_MAX_CHARS:,})",
    )
    parser.add_argument("--artifact-url", metavar="URL", help="link to the uploaded plan file")
    parser.add_argument("--title", metavar="TEXT", help="drift: title of a new issue")
    parser.add_argument(
        "--label",
        default=sticky.DRIFT_LABEL,
        metavar="NAME",
        help=f"drift: label of the issue (default {sticky.DRIFT_LABEL}; '' for none)",
    )
    parser.add_argument(
        "--close-resolved",
        action="store_true",
        help="drift: close the issue (with a comment) when no drift is left",
    )
    parser.add_argument(
        "--max-wait",
        type=_seconds,
        default=DEFAULT_MAX_WAIT,
        metavar="SECONDS",
        help=f"longest wait on a rate limit before failing (default {DEFAULT_MAX_WAIT:.0f})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the body instead of posting it"
    )
    parser.set_defaults(func=run_comment)


def plan_key(doc: render.PlanDocument, env: Mapping[str, str]) -> str:
    """The key the plan's own header uses (one function: `impops.render.identity.plan_key`)."""
    return render.plan_key(doc.manifest_root, doc.targets, env)


def run_comment(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    source: Mapping[str, str] = os.environ if env is None else env
    if args.plan:
        doc = render.PlanDocument.load(args.plan)
        key = args.key or plan_key(doc, source)
        mark = sticky.marker("plan", key)
        body = render.render_saved_plan(
            doc,
            key,
            max_chars=args.max_chars - len(mark) - 1,
            run_url=run_url(source),
            artifact_url=args.artifact_url,
        )
    else:
        data = render.load_drift(args.drift)
        key = args.key or ",".join(data.get("products") or []) or "default"
        mark = sticky.marker("drift", key)
        body = render.render_drift(
            data,
            key,
            # room for the marker and the recorded set of drifted addresses
            max_chars=max(args.max_chars - len(mark) - sticky.MAX_ADDRESSES_LINE - 100, 1000),
            run_url=run_url(source),
        )
    if args.dry_run:
        sys.stdout.write(redact.scrub(sticky.with_marker(body, mark)))
        return int(ExitCode.OK)
    if args.plan and args.issue:
        raise ConfigError("--issue is for --drift; use --pr with --plan")
    ctx = resolve(
        source,
        repo=args.repo,
        number=args.pr if args.plan else args.issue,
        api_url=args.api_url,
        want_pr=bool(args.plan),
    )
    with GitHubClient(ctx.token, ctx.api_url, max_wait=args.max_wait) as client:
        if args.plan:
            assert ctx.number is not None
            outcome = sticky.upsert_comment(client, ctx.repo, ctx.number, body, mark)
            where = f"pull request #{ctx.number}"
        else:
            post = sticky.DriftPost(
                body=body,
                has_drift=bool(data.get("drift")),
                title=args.title or f"impops drift: {key}",
                addresses=render.drift_addresses(data),
                label=args.label or None,
                close_resolved=args.close_resolved,
            )
            outcome = sticky.upsert_drift_issue(client, ctx.repo, post, mark, ctx.number)
            where = f"issue #{outcome.number}" if outcome.number else "no issue"
    message = {
        "created": f"Created the impops comment on {where}",
        "updated": f"Updated the impops comment on {where}",
        "unchanged": f"The impops comment on {where} is already up to date",
        "closed": f"No drift left; closed {where}",
        "none": "No drift and no open drift issue; nothing posted",
    }[outcome.action]
    if not args.plan and outcome.action in ("created", "updated", "unchanged"):
        message = message.replace("impops comment on", "drift report in")
    if outcome.url:
        message += f": {outcome.url}"
    if outcome.duplicates:
        message += f" ({outcome.duplicates} older duplicate(s) with the same marker left alone)"
    print(redact.scrub(message + "."), file=sys.stderr)
    return int(ExitCode.OK)
