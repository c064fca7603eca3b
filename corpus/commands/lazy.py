"""A click group whose subcommands are imported only when used, so `--help` stays fast."""

from __future__ import annotations

import importlib
from typing import Any

import click

from corpus.errors import DebtcorpusError


class Interrupted(click.ClickException):
    """Ctrl-C in a command that does not handle it itself: one line, exit 130 (128 + SIGINT).
    `crawl` (exit 4, resumable), `browse`, `sample-site serve` and `scheduler` stop on their
    own terms instead."""

    exit_code = 130


class BadInput(click.ClickException):
    """A library error (a bad option value, profile, setting, file or corpus): one line, exit 2,
    as click's own usage errors and `crawl`'s refusals. Exit 1 stays for work that failed."""

    exit_code = 2


class LazyGroup(click.Group):
    """Subcommands from a {name: "module:attribute"} map; library errors become CLI errors."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.lazy_commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DebtcorpusError as exc:
            raise BadInput(str(exc)) from exc
        except KeyboardInterrupt as exc:
            raise Interrupted(
                "interrupted (Ctrl-C) before the end; run the same command again to do it all"
            ) from exc
