"""The impCentral API v5 emulator: a threaded, stateful HTTP server for tests, demos and CI.

`EmulatorServer` runs it in-process (`with EmulatorServer() as emu: ...`); the CLI runs it with
`impops emulator serve`. See docs/emulator.md for what is emulated and the decisions taken.
"""

from impops.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
