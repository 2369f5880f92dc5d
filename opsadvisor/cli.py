"""The command line: thin wiring of the Python API to click. No logic of its own."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import api
from .errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_INVALID_SCENARIO, EXIT_TERMINATED, OpsAdvisorError, UsageError
from .files import atomic_write
from .formats import ASSESSMENT, BATCH, DIFF, EXPLAIN, RULE_TESTS, RULES_CHECK, RULES_LIST, WORKSHOP
from .text import printable

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


NAME_MAX = 255  # bytes in one path component (Linux, macOS)
PATH_MAX = 4095  # bytes in a whole path (Linux)


class PathArg(click.Path):
    """click.Path that refuses a path the file system cannot name (exit 2 with the path), so that no
    later stat or open fails with ENAMETOOLONG deep inside a command."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        encoded = os.fsencode(path)
        if len(encoded) > PATH_MAX or any(len(part) > NAME_MAX for part in encoded.split(b"/")):
            self.fail(f"{printable(path)}: the path is too long (at most {NAME_MAX} bytes a name)", param, ctx)
        return path


class Main(click.Group):
    """The command group: Ctrl-C exits 130 and SIGTERM 143, quietly, after every output file's
    temporary file is removed and the worker processes are stopped (both unwind as exceptions)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
            return super().main(*args, **kwargs)
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            return super().main(*args, **kwargs)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: no output file was written", err=True)
            sys.exit(EXIT_INTERRUPTED)


def _terminated(signum: int, frame: Any) -> None:
    sys.exit(EXIT_TERMINATED)


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
        type=PathArg(),
        envvar="OPSADVISOR_RULES",
        help=f"Extra rule directory or file, layered on the default pack (repeatable). Without it, "
        f"OPSADVISOR_RULES is read: a '{os.pathsep}'-separated list, empty entries ignored.",
    )(command)


def selected_pack(rules_dirs: tuple[str, ...], no_default_rules: bool) -> api.RulePack:
    layers = [Path(entry) for entry in rules_dirs if entry]  # "a::b" or a trailing ':' in the variable
    return api.rule_pack(layers or None, include_default=not no_default_rules)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="opsadvisor")
def main() -> None:
    """Advise on the operating model of a business-led IT service."""


@main.command()
@click.argument("scenario", type=PathArg(path_type=Path, allow_dash=True))
@click.option(
    "--format", "output_format", type=click.Choice(ASSESSMENT.names), default=ASSESSMENT.default, show_default=True
)
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
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Assess one service described by a SCENARIO file (JSON; '-' reads stdin)."""
    pack = selected_pack(rules_dirs, no_default_rules)
    assessment = api.assess(scenario, rules=pack)
    click.echo(ASSESSMENT.render(output_format, assessment, explain=explain), nl=False)
    if ("conflict" in fail_on and assessment.conflicts) or ("risk" in fail_on and assessment.pending_risks):
        sys.exit(EXIT_FINDINGS)


@main.command()
@rules_options
@reports_errors
def schema(rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """Print the scenario file's JSON Schema."""
    pack = selected_pack(rules_dirs, no_default_rules)
    click.echo(json.dumps(api.schema(pack), indent=2))


# --- the dialogue (issue 5) -----------------------------------------------------------------------


@main.command()
@click.option(
    "-o", "--output", type=PathArg(dir_okay=False, path_type=Path), help="Write the scenario here (default: stdout)."
)
@click.option(
    "--from",
    "start",
    type=PathArg(dir_okay=False, path_type=Path),
    help="Start from this scenario and ask only what it lacks.",
)
@rules_options
@reports_errors
def interview(output: Path | None, start: Path | None, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """Ask the dialogue's questions and write a scenario (answers may be piped on stdin).

    Questions and messages go to stderr. Nothing is written until the last answer: Ctrl-C or the
    end of input stops the interview and leaves no file behind.
    """
    from .dialogue.interview import ClickAsker, scenario_json, summary
    from .scenario import STDIN_SOURCE, read_scenario_file

    if sys.stdin is None:
        raise UsageError(STDIN_SOURCE, ["standard input is closed; run the interview in a terminal or pipe answers in"])

    pack = selected_pack(rules_dirs, no_default_rules)
    document = read_scenario_file(start) if start else None
    try:
        result = api.interview(ClickAsker(), document, rules=pack, source=str(start))
    except click.Abort:
        click.echo("\nThe interview stopped before the last question: nothing was written.", err=True)
        raise
    assessor = api.assessor_for(pack)
    text = scenario_json(result, assessor.spec)
    click.echo("", err=True)
    for line in summary(result, assessor.assess_document(result)):
        click.echo(line, err=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text.encode("utf-8"))
        click.echo(f"Wrote {output}; assess it with: opsadvisor assess {output}", err=True)


@main.command()
@click.argument("scenario", type=PathArg(path_type=Path))
@click.option("-o", "--output", type=PathArg(dir_okay=False, path_type=Path), help="Write the pack here.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(WORKSHOP.names),
    help="markdown (default), or html (self-contained); -o *.html implies html.",
)
@rules_options
@reports_errors
def workshop(
    scenario: Path, output: Path | None, output_format: str | None, rules_dirs: tuple[str, ...], no_default_rules: bool
) -> None:
    """The Support Model Design Workshop pack for a SCENARIO file."""
    pack = selected_pack(rules_dirs, no_default_rules)
    output_format = output_format or WORKSHOP.for_path(output) or WORKSHOP.default
    text = api.workshop(scenario, rules=pack, output_format=output_format)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text.encode("utf-8"))


@main.command()
@click.argument("scenario", type=PathArg(path_type=Path))
@click.argument("process")
@click.option("--application", required=True, help="it_ops, it_delivery, business or tbd.")
@click.option("--interface", help="it_ops, it_delivery, business, tbd or n/a.")
@rules_options
@reports_errors
def decide(
    scenario: Path,
    process: str,
    application: str,
    interface: str | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Record who is accountable for PROCESS in the SCENARIO file's decisions."""
    from .dialogue.record import describe_decision

    pack = selected_pack(rules_dirs, no_default_rules)
    recorded = api.decide(scenario, process, application, interface, rules=pack)
    for line in describe_decision(recorded, process):
        click.echo(line)


@main.command()
@click.argument("scenario", type=PathArg(path_type=Path))
@click.argument("risk_id")
@click.option("--by", "accepted_by", required=True, help="Who accepted the risk (a role or a name).")
@click.option("--date", help="When, as YYYY-MM-DD (default: today).")
@rules_options
@reports_errors
def accept(
    scenario: Path,
    risk_id: str,
    accepted_by: str,
    date: str | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Record in the SCENARIO file that a stakeholder accepted the risk RISK_ID."""
    from .dialogue.record import describe_acceptance

    pack = selected_pack(rules_dirs, no_default_rules)
    recorded = api.accept(scenario, risk_id, accepted_by, date, rules=pack)
    for line in describe_acceptance(recorded, risk_id):
        click.echo(line)


# --- rule authoring: rules list/show/docs/check/test, and explain --------------------------------


@main.group(name="rules")
def rules_group() -> None:
    """See, check and test rule packs."""


@rules_group.command(name="list")
@click.option(
    "--format", "output_format", type=click.Choice(RULES_LIST.names), default=RULES_LIST.default, show_default=True
)
@rules_options
@reports_errors
def rules_list(output_format: str, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """List the rules in effect: id, title, priority, conclusions, file:line, overrides."""
    found = api.list_rules(selected_pack(rules_dirs, no_default_rules))
    click.echo(RULES_LIST.render(output_format, found), nl=False)


@rules_group.command(name="show")
@click.argument("rule_id")
@rules_options
@reports_errors
def rules_show(rule_id: str, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """Show one rule whole: conditions, conclusions, rationale and source."""
    click.echo(api.show_rule(rule_id, selected_pack(rules_dirs, no_default_rules)), nl=False)


@rules_group.command(name="docs")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--reference",
    is_flag=True,
    help="The facts, tests and conclusion kinds a rule may use. With -o FILE holding the generated-block "
    "markers (docs/rules.md), only that block is replaced.",
)
@rules_options
@reports_errors
def rules_docs(output: Path | None, reference: bool, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """The rule catalogue as Markdown, grouped by what the rules conclude."""
    pack = selected_pack(rules_dirs, no_default_rules)
    if output is None:
        click.echo(api.rules_docs(pack, reference=reference), nl=False)
    else:
        click.echo(api.write_rules_docs(output, pack, reference=reference))


@rules_group.command(name="check")
@click.argument("dirs", nargs=-1, type=PathArg(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option(
    "--format", "output_format", type=click.Choice(RULES_CHECK.names), default=RULES_CHECK.default, show_default=True
)
@rules_options
@reports_errors
def rules_check(
    dirs: tuple[Path, ...], strict: bool, output_format: str, rules_dirs: tuple[str, ...], no_default_rules: bool
) -> None:
    """Check the pack with each rule DIR layered on top; errors (and, with --strict, warnings) exit 4."""
    report = api.check_rules([*(entry for entry in rules_dirs if entry), *dirs], include_default=not no_default_rules)
    click.echo(RULES_CHECK.render(output_format, report), nl=False)
    sys.exit(report.exit_code(strict))


@rules_group.command(name="test")
@click.argument("paths", nargs=-1, type=PathArg(path_type=Path))
@click.option("--coverage", is_flag=True, help="List the rules no test case fired.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="PCT", help="Fail below PCT% rule coverage.")
@click.option(
    "--format", "output_format", type=click.Choice(RULE_TESTS.names), default=RULE_TESTS.default, show_default=True
)
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), help="Write the report to FILE.")
@rules_options
@reports_errors
def rules_test(
    paths: tuple[Path, ...],
    coverage: bool,
    min_coverage: float | None,
    output_format: str,
    output: Path | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Run the rule test cases in PATHs (YAML files or directories; default, in a source checkout:
    the bundled pack's suite, rules/tests)."""
    run = api.run_rule_tests(paths, selected_pack(rules_dirs, no_default_rules), min_coverage=min_coverage)
    report = RULE_TESTS.render(output_format, run, coverage=coverage)
    if output is None:
        click.echo(report, nl=False)
    else:
        atomic_write(output, report.encode("utf-8"))
        click.echo(run.summary())
    if run.below_minimum and (output is not None or run.minimum_missed() not in report):
        click.echo(run.minimum_missed(), err=True)  # a format with no place for it (JUnit): say why the job fails
    sys.exit(run.exit_code)


@main.command()
@click.argument("scenario", type=PathArg(path_type=Path, allow_dash=True))
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Explain this rule (repeatable).")
@click.option("--format", "output_format", type=click.Choice(EXPLAIN.names), default=EXPLAIN.default, show_default=True)
@rules_options
@reports_errors
def explain(
    scenario: Path, rule_ids: tuple[str, ...], output_format: str, rules_dirs: tuple[str, ...], no_default_rules: bool
) -> None:
    """Why rules fired, and why not: the fired rules and near misses, or each --rule ID."""
    pack = selected_pack(rules_dirs, no_default_rules)
    explanation = api.explain(scenario, rule_ids, pack)
    click.echo(EXPLAIN.render(output_format, explanation), nl=False)


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
@click.argument("inputs", nargs=-1, type=PathArg(path_type=Path))
@click.option(
    "--out",
    "outputs",
    multiple=True,
    type=PathArg(path_type=Path, dir_okay=False),
    help=f"Write a report; the format follows the extension: {' '.join(BATCH.names)} (repeatable).",
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
    type=PathArg(path_type=Path, dir_okay=False),
    help="Write an empty portfolio (FILE.csv or FILE.xlsx: headers and one example row) and exit.",
)
@click.option("--force", is_flag=True, help="Let --template replace an existing file.")
@rules_options
@reports_errors
def batch(
    inputs: tuple[Path, ...],
    outputs: tuple[Path, ...],
    jobs: int | None,
    fail_on: tuple[str, ...],
    quiet: bool,
    template: Path | None,
    force: bool,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Assess every service in INPUT... (directories, .jsonl, .json, .csv, .xlsx); see docs/batch.md."""
    from .batch import batch_exit_code, check_output, render_summary, report_context, run_batch, write_template

    if template is not None:
        if inputs:
            raise click.UsageError("--template writes a template; give no INPUT with it")
        try:
            write_template(template, force=force)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--template") from None
        return
    if not inputs:
        raise click.UsageError("give at least one INPUT (or --template FILE)")
    for target in outputs:
        try:
            check_output(target)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--out") from None
    pack = selected_pack(rules_dirs, no_default_rules)
    bar = _progress_bar(inputs, quiet)
    started = time.monotonic()

    def report(outcome: Any) -> None:
        if outcome.error:
            click.echo(f"invalid: {outcome.error}", err=True)
        if bar is not None:
            bar.update(1, f"{(bar.pos + 1) / max(time.monotonic() - started, 1e-6):.0f} services/s")

    if bar is not None:
        with bar:
            summary = run_batch(inputs, pack, outputs, jobs, on_outcome=report)
    else:
        summary = run_batch(inputs, pack, outputs, jobs, on_outcome=report)
    if not quiet:
        click.echo(render_summary(summary, report_context(pack).process_names), nl=False)
    sys.exit(batch_exit_code(summary, fail_on))


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=PathArg(path_type=Path))
@click.option(
    "--base-rules",
    "base_dirs",
    multiple=True,
    required=True,
    type=PathArg(path_type=Path),
    help="The rule directory (or file) to compare against, layered like --rules (repeatable).",
)
@click.option("--format", "output_format", type=click.Choice(DIFF.names), default=DIFF.default)
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@rules_options
@reports_errors
def diff(
    inputs: tuple[Path, ...],
    base_dirs: tuple[Path, ...],
    output_format: str,
    jobs: int | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Show what a rule change changes: assess INPUT... under --base-rules and under --rules.

    Exit 0 when no service changes, 1 when some do, 3 when an entry is invalid under both packs
    (a missing or unreadable input included).
    """
    from .batch.diff import diff_portfolio

    base = selected_pack(base_dirs, no_default_rules)
    pack = selected_pack(rules_dirs, no_default_rules)
    report = diff_portfolio(inputs, base, pack, jobs)
    for error in report.invalid:
        click.echo(f"invalid: {error}", err=True)
    click.echo(DIFF.render(output_format, report), nl=False)
    sys.exit(EXIT_INVALID_SCENARIO if report.invalid else EXIT_FINDINGS if report.changed else 0)
