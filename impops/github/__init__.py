"""GitHub integration: a REST client, sticky PR comments, the drift issue, the job summary.

Modules: `client` (HTTP, pagination, errors, rate limits), `context` (repository, PR and
token from flags or the Actions environment), `sticky` (find-by-marker and update),
`render` (markdown from the saved plan and drift JSON files), `summary`
(`append_step_summary`, for `$GITHUB_STEP_SUMMARY`).
"""

from impops.github.summary import append_step_summary

__all__ = ["append_step_summary"]
