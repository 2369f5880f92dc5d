"""The command line: thin wiring of the Python API to click. No logic of its own."""

from __future__ import annotations

import json
import os
import sys
import time
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
            click.echo(f"error: {error.render()}", err=True)
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


# --- batch and diff: a whole portfolio (opsadvisor.batch) -------------------------------------------


def _progress_bar(inputs: tuple[Path, ...], quiet: bool) -> Any:
    """A progress bar on stderr when it is a terminal and not --quiet; else None."""
    from .batch import count_entries

    if quiet or not sys.stderr.isatty():
        return None
    return click.progressbar(
        length=count_entries(inputs),
        label="assessing",
        file=sys.stderr,
        show_pos=True,
        show_eta=True,
        item_show_func=lambda rate: rate,
    )


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "outputs",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a report; the format follows the extension: .jsonl .json .csv .xlsx .md .html (repeatable).",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option(
    "--fail-on",
    type=click.Choice(["conflict", "risk"]),
    multiple=True,
    help="Exit 1 when any service has a conflict, or a risk nobody has accepted.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option(
    "--template",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write an empty portfolio (FILE.csv or FILE.xlsx: headers and one example row) and exit.",
)
@rules_options
@reports_errors
def batch(
    inputs: tuple[Path, ...],
    outputs: tuple[Path, ...],
    jobs: int | None,
    fail_on: tuple[str, ...],
    quiet: bool,
    template: Path | None,
    rules_dirs: tuple[Path, ...],
    no_default_rules: bool,
) -> None:
    """Assess every service in INPUT... (directories, .jsonl, .json, .csv, .xlsx); see docs/batch.md."""
    from .batch import batch_exit_code, render_summary, report_context, run_batch, write_template

    if template is not None:
        if inputs:
            raise click.UsageError("--template writes a template; give no INPUT with it")
        try:
            write_template(template)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--template") from None
        return
    if not inputs:
        raise click.UsageError("give at least one INPUT (or --template FILE)")
    pack = selected_pack(rules_dirs, no_default_rules)
    bar = _progress_bar(inputs, quiet)
    started = time.monotonic()

    def report(outcome: Any) -> None:
        if outcome.error:
            click.echo(f"invalid: {outcome.error}", err=True)
        if bar is not None:
            bar.update(1, f"{(bar.pos + 1) / max(time.monotonic() - started, 1e-6):.0f} services/s")

    try:
        if bar is not None:
            with bar:
                summary = run_batch(inputs, pack, outputs, jobs, on_outcome=report)
        else:
            summary = run_batch(inputs, pack, outputs, jobs, on_outcome=report)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--out") from None
    if not quiet:
        click.echo(render_summary(summary, report_context(pack).process_names), nl=False)
    sys.exit(batch_exit_code(summary, fail_on))


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--base-rules",
    "base_dirs",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="The rule directory (or file) to compare against, layered like --rules (repeatable).",
)
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@rules_options
@reports_errors
def diff(
    inputs: tuple[Path, ...],
    base_dirs: tuple[Path, ...],
    output_format: str,
    jobs: int | None,
    rules_dirs: tuple[Path, ...],
    no_default_rules: bool,
) -> None:
    """Show what a rule change changes: assess INPUT... under --base-rules and under --rules.

    Exit 0 when no service changes, 1 when some do.
    """
    from .batch.diff import diff_portfolio, render_diff

    base = selected_pack(base_dirs, no_default_rules)
    pack = selected_pack(rules_dirs, no_default_rules)
    report = diff_portfolio(inputs, base, pack, jobs)
    click.echo(render_diff(report, output_format), nl=False)
    sys.exit(EXIT_FINDINGS if report.changed else 0)
