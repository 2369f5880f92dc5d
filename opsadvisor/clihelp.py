"""What `--help` and the shell offer a newcomer: commands grouped by who uses them, in the order of the
work, with whole summaries and an example each; and completion of ids from the rule pack in effect."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

HELP_WIDTH = 100  # help text wraps at the terminal's width, up to this many columns

# who uses which commands, in the order of their work; the top-level help lists them so
AUDIENCES = (
    (
        "Business analysts: one service",
        ("assess", "interview", "workshop", "decide", "accept", "mitigate", "serve", "schema"),
    ),
    ("IT architects: the rules", ("rules", "explain")),
    ("Portfolio owners: many services", ("batch", "diff")),
    ("Auditors and CIOs: evidence of practice", ("records",)),
    ("Getting started", ("docs", "completion")),
)


class GuidedGroup(click.Group):
    """A group listing its commands in the order they were added (or by audience, when given), each
    with its whole first docstring paragraph rather than a summary cut short with '...'."""

    def __init__(self, *args: Any, audiences: tuple[tuple[str, tuple[str, ...]], ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audiences = audiences

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections = self.audiences or (("Commands", tuple(self.list_commands(ctx))),)
        listed = {name for _, names in sections for name in names}
        unlisted = tuple(name for name in self.list_commands(ctx) if name not in listed)
        for title, names in (*sections, *((("Other commands", unlisted),) if unlisted else ())):
            rows = [(name, self.commands[name].get_short_help_str(limit=10_000)) for name in names]
            with formatter.section(title):
                formatter.write_dl(rows)


GuidedGroup.group_class = GuidedGroup  # subgroups (`rules`, `rules table`) list their commands the same way


EXAMPLE_WIDTH = 72  # an example longer than this continues on the next line, so the help fits 80 columns


def examples(*lines: str) -> str:
    """An epilog of example command lines, kept as written (click would rewrap them otherwise); a long
    one is split between arguments with the shell's backslash continuation."""
    return "\b\nExamples:\n" + "\n".join(f"  {part}" for line in lines for part in _continued(line))


def _continued(line: str) -> list[str]:
    if len(line) <= EXAMPLE_WIDTH:
        return [line]
    parts = [""]
    for token in line.split(" "):
        if parts[-1] and len(parts[-1]) + 1 + len(token) > EXAMPLE_WIDTH - 6:
            parts.append("    ")
        parts[-1] += (" " if parts[-1].strip() else "") + token
    return [part + " \\" for part in parts[:-1]] + parts[-1:]


# --- completion of ids from the rule pack in effect -----------------------------------------------


def _pack_from(ctx: click.Context) -> Any:
    """The pack the command line names so far (--rules, --no-default-rules), or None when it does not load."""
    from . import api
    from .errors import OpsAdvisorError

    layers = [entry for entry in ctx.params.get("rules_dirs") or () if entry]
    try:
        return api.rule_pack(layers or None, include_default=not ctx.params.get("no_default_rules"))
    except OpsAdvisorError:
        return None


def completes(ids: Callable[[Any], Iterable[str]]) -> Callable[[click.Context, click.Parameter, str], list[Any]]:
    """A shell_complete callback offering the pack's ids that start with what is typed."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        pack = _pack_from(ctx)
        found = [] if pack is None else ids(pack)
        return [CompletionItem(value) for value in found if value.startswith(incomplete)]

    return complete


class ListsPackIds(click.Command):
    """A command whose help lists the ids an argument takes from the rule pack (`pack_ids`: the argument's
    name and how to read its ids from a pack). The pack is read only when the help is shown."""

    def __init__(
        self, *args: Any, pack_ids: tuple[tuple[str, Callable[[Any], Iterable[str]]], ...] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pack_ids = pack_ids

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        pack = _pack_from(ctx)
        if pack is None:
            return  # a broken pack: the command itself will say what is wrong with it
        for name, ids in self.pack_ids:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(f"{name} is one of: {', '.join(ids(pack))} (a --rules layer may add more).")


PROCESS_IDS = completes(lambda pack: pack.process_ids)
RISK_IDS = completes(lambda pack: pack.risk_ids)
RULE_IDS = completes(lambda pack: sorted(rule.id for rule in pack.rules))
