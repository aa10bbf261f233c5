"""Plan renderers: `text`, `markdown` and `json`, each `render_<fmt>(plan, ...) -> str`.

Secrets never reach a renderer's output: sensitive fields are redacted structurally (see
`values`), and text/markdown output is additionally passed through `redact.scrub`.
"""
