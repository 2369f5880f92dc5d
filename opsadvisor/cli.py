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


# --- rule authoring: rules list/show/docs/check/test, and explain --------------------------------


@main.group(name="rules")
def rules_group() -> None:
    """See, check and test rule packs."""


@rules_group.command(name="list")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_options
@reports_errors
def rules_list(output_format: str, rules_dirs: tuple[Path, ...], no_default_rules: bool) -> None:
    """List the rules in effect: id, title, priority, conclusions, file:line, overrides."""
    found = api.list_rules(selected_pack(rules_dirs, no_default_rules))
    click.echo(json.dumps(found.to_dict(), indent=2) if output_format == "json" else found.render_text(), nl=False)


@rules_group.command(name="show")
@click.argument("rule_id")
@rules_options
@reports_errors
def rules_show(rule_id: str, rules_dirs: tuple[Path, ...], no_default_rules: bool) -> None:
    """Show one rule whole: conditions, conclusions, rationale and source."""
    click.echo(api.show_rule(rule_id, selected_pack(rules_dirs, no_default_rules)), nl=False)


@rules_group.command(name="docs")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--reference",
    is_flag=True,
    help="The facts, tests and conclusion kinds a rule may use. With -o FILE holding the generated-block "
    "markers (docs/rules.md), only that block is replaced.",
)
@rules_options
@reports_errors
def rules_docs(output: Path | None, reference: bool, rules_dirs: tuple[Path, ...], no_default_rules: bool) -> None:
    """The rule catalogue as Markdown, grouped by what the rules conclude."""
    pack = selected_pack(rules_dirs, no_default_rules)
    if output is None:
        click.echo(api.rules_docs(pack, reference=reference), nl=False)
    else:
        click.echo(api.write_rules_docs(output, pack, reference=reference))


@rules_group.command(name="check")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_options
@reports_errors
def rules_check(
    dirs: tuple[Path, ...], strict: bool, output_format: str, rules_dirs: tuple[Path, ...], no_default_rules: bool
) -> None:
    """Check the pack with each rule DIR layered on top; errors (and, with --strict, warnings) exit 4."""
    report = api.check_rules([*rules_dirs, *dirs], include_default=not no_default_rules)
    click.echo(report.render_json() if output_format == "json" else report.render_text(), nl=False)
    sys.exit(report.exit_code(strict))


@rules_group.command(name="test")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--coverage", is_flag=True, help="List the rules no test case fired.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="PCT", help="Fail below PCT% rule coverage.")
@click.option("--format", "output_format", type=click.Choice(["text", "junit"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to FILE.")
@rules_options
@reports_errors
def rules_test(
    paths: tuple[Path, ...],
    coverage: bool,
    min_coverage: float | None,
    output_format: str,
    output: Path | None,
    rules_dirs: tuple[Path, ...],
    no_default_rules: bool,
) -> None:
    """Run the rule test cases in PATHs (YAML files or directories; default: the bundled suite)."""
    run = api.run_rule_tests(paths, selected_pack(rules_dirs, no_default_rules), min_coverage=min_coverage)
    report = run.render_junit() if output_format == "junit" else run.render_text(coverage)
    if output is None:
        click.echo(report, nl=False)
    else:
        output.write_text(report, encoding="utf-8")
        click.echo(run.summary())
    sys.exit(run.exit_code)


@main.command()
@click.argument("scenario", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Explain this rule (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rules_options
@reports_errors
def explain(
    scenario: Path, rule_ids: tuple[str, ...], output_format: str, rules_dirs: tuple[Path, ...], no_default_rules: bool
) -> None:
    """Why rules fired, and why not: the fired rules and near misses, or each --rule ID."""
    pack = selected_pack(rules_dirs, no_default_rules)
    if str(scenario) == "-":
        explanation = api.explain(decode_json(sys.stdin.buffer.read(), "<stdin>"), rule_ids, pack, source="<stdin>")
    else:
        explanation = api.explain(scenario, rule_ids, pack)
    click.echo(explanation.render_json() if output_format == "json" else explanation.render_text(), nl=False)
