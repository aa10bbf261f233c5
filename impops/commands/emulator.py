"""`impops emulator serve`: run the impCentral v5 emulator as a real HTTP server."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("emulator", help="run the local impCentral API emulator")
    sub = parser.add_subparsers(dest="emulator_command", metavar="ACTION")
    sub.required = True
    serve = sub.add_parser("serve", help="serve the emulator over HTTP until interrupted")
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    raise NotImplementedError("emulator serve is being built")
