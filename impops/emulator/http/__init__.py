"""The emulator's shared HTTP core, used by every emulated API.

One threaded HTTP/1.1 server (`server`) routes each request by path prefix to a *mount* (one
per emulated API: impCentral under `/v5`, Mnubo under `/mnubo/<zone>`) or to the admin API
under `/_emulator/`. What every mount gets for free lives here: request/response types
(`messages`), pattern routing (`routing`), body decoding (`bodies`), injected faults, latency,
rate limiting and the request log (`faults`), the shared admin endpoints (`admin`) and the
`--state` file plumbing (`persistence`). Nothing here knows an API's vocabulary or error shape:
mounts supply those.
"""
