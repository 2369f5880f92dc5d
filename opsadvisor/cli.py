"""The command line: thin wiring of the Python API to click. No logic of its own."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import api
from .errors import EXIT_FINDINGS, OpsAdvisorError
from .render import FORMATS, renderer
from .scenario import decode_json

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn an OpsAdvisorError into a clear message on stderr and its exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OpsAdvisorError as error:
            for line in error.lines():
                click.echo(f"error: {line}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


def rules_options(command: F) -> F:
    """--rules DIR (repeatable, or OPSADVISOR_RULES) and --no-default-rules."""
    command = click.option(
        "--no-default-rules",
        is_flag=True,
        help="Use only the --rules directories, not the bundled pack.",
    )(command)
    return click.option(
        "--rules",
        "rules_dirs",
        multiple=True,
        type=click.Path(path_type=Path),
        envvar="OPSADVISOR_RULES",
        help=f"Extra rule directory or file, layered on the default pack (repeatable; "
        f"OPSADVISOR_RULES takes a '{os.pathsep}'-separated list).",
    )(command)


def selected_pack(rules_dirs: tuple[Path, ...], no_default_rules: bool) -> api.RulePack:
    return api.rule_pack(rules_dirs or None, include_default=not no_default_rules)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsadvisor")
def main() -> None:
    """Advise on the operating model of a business-led IT service."""


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--explain", is_flag=True, help="Add the trace: every fired rule and the facts it matched.")
@click.option(
    "--fail-on",
    type=click.Choice(["conflict", "risk"]),
    multiple=True,
    help="Exit 1 when the assessment has a conflict, or a risk nobody has accepted.",
)
@rules_options
@reports_errors
def assess(
    scenario: Path,
    output_format: str,
    explain: bool,
    fail_on: tuple[str, ...],
    rules_dirs: tuple[Path, ...],
    no_default_rules: bool,
) -> None:
    """Assess one service described by a SCENARIO file (JSON; '-' reads stdin)."""
    pack = selected_pack(rules_dirs, no_default_rules)
    if str(scenario) == "-":
        document = decode_json(sys.stdin.buffer.read(), "<stdin>")
        assessment = api.assessor_for(pack).assess_document(document, "<stdin>")
    else:
        assessment = api.assess(scenario, rules=pack)
    click.echo(renderer(output_format)(assessment, explain), nl=False)
    if ("conflict" in fail_on and assessment.conflicts) or ("risk" in fail_on and assessment.pending_risks):
        sys.exit(EXIT_FINDINGS)


@main.command()
@rules_options
@reports_errors
def schema(rules_dirs: tuple[Path, ...], no_default_rules: bool) -> None:
    """Print the scenario file's JSON Schema."""
    pack = selected_pack(rules_dirs, no_default_rules)
    click.echo(json.dumps(api.schema(pack), indent=2))
