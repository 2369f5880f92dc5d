"""The command line: thin wiring of the Python API to click. No logic of its own."""

from __future__ import annotations

import datetime
import errno
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

from . import api, terminal
from .clihelp import AUDIENCES, HELP_WIDTH, PROCESS_IDS, RISK_IDS, RULE_IDS, GuidedGroup, ListsPackIds, examples
from .errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_INVALID_SCENARIO,
    EXIT_STOPPED,
    EXIT_TERMINATED,
    OpsAdvisorError,
    ScenarioError,
)
from .files import AtomicFile, OutputError, atomic_write, refuse_replacing_input, write_failed
from .formats import ASSESSMENT, BATCH, DIFF, EXPLAIN, RECORDS_DIFF, RULE_TESTS, RULES_CHECK, RULES_LIST, WORKSHOP
from .guides import TOPICS, index
from .text import printable

if TYPE_CHECKING:
    from .dialogue.interview import Asker

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an OpsAdvisorError into a clear message on stderr and its exit code."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except OpsAdvisorError as error:
            for line in error.lines():
                click.echo(f"error: {line}", err=True)
            sys.exit(error.exit_code)

    return wrapper


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


class Main(GuidedGroup):
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


def layer_options(command: F) -> F:
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


SEED_ONLY = "opsadvisor.seed_only"  # where --seed-only is kept in the click context, for selected_pack


def _keep_seed_only(context: click.Context, _: click.Parameter, value: bool) -> None:
    context.meta[SEED_ONLY] = value


def as_of_option(command: F) -> F:
    """--as-of DATE: evaluate risk acceptances (and their review dates) on that day, for reproducible reports."""
    return click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Evaluate risk acceptances on this day, YYYY-MM-DD (default: today; the report says which).",
    )(command)


def records_options(command: F) -> F:
    """--records MANIFEST and --window DAYS: the service's own records, for drift (opsadvisor docs assurance)."""
    command = click.option(
        "--window",
        "window_days",
        type=click.IntRange(1, 3660),
        help="Days of records before the as-of day (default: the manifest's window_days, else 90).",
    )(command)
    return click.option(
        "--records",
        "records_file",
        type=PathArg(path_type=Path, dir_okay=False),
        help="A records manifest (ticket exports, parties map, contract register, access reviews): "
        "show where practice drifts from the agreement (opsadvisor docs assurance).",
    )(command)


def read_records(records_file: Path | None, as_of: datetime.date | None, window_days: int | None) -> Any:
    """The EvidenceBook of --records over the period before the as-of day, or None without --records."""
    if records_file is None:
        if window_days is not None:
            raise click.UsageError("--window goes with --records MANIFEST")
        return None
    return api.read_records(records_file, as_of, window_days)


def report_records(book: Any) -> bool:
    """Say on stderr what reading the records noted (warning:) and which rows were left out (invalid:);
    True when a row was invalid (the command then exits 3, its reports written)."""
    if book is None:
        return False
    for note in book.notes:
        click.echo(f"warning: {printable(note)}", err=True)
    for line in book.problems.lines():
        click.echo(f"invalid: {line}", err=True)
    return bool(book.problems.count)


def rules_options(command: F) -> F:
    """The layer options and --seed-only, which selected_pack reads from the context (so that the
    commands' signatures need not carry it)."""
    command = click.option(
        "--seed-only",
        is_flag=True,
        expose_value=False,
        callback=_keep_seed_only,
        help="Run only the rules whose source is the seed, not practice beyond it (opsadvisor docs rules).",
    )(command)
    return layer_options(command)


def selected_pack(rules_dirs: tuple[str | Path, ...], no_default_rules: bool) -> api.RulePack:
    layers = [Path(entry) for entry in rules_dirs if entry]  # "a::b" or a trailing ':' in the variable
    seed_only = click.get_current_context().meta.get(SEED_ONLY, False)
    return api.rule_pack(layers or None, include_default=not no_default_rules, seed_only=seed_only)


@click.group(
    "opsadvisor",
    cls=Main,
    audiences=AUDIENCES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": HELP_WIDTH},
)
@click.version_option(None, "-V", "--version", package_name="opsadvisor")
def main() -> None:
    """Advise on the operating model of a business-led IT service.

    New here? `opsadvisor docs operating-models` explains the models and what a report says;
    `opsadvisor docs` lists the guides.
    """


@main.command(epilog=examples("opsadvisor docs", "opsadvisor docs operating-models"))
@click.argument("topic", required=False, type=click.Choice(list(TOPICS)), metavar="[TOPIC]")
def docs(topic: str | None) -> None:
    """Print a guide (Markdown), or without TOPIC list the guides and where they are."""
    click.echo(api.guide(topic) if topic else index(), nl=False)


@main.command(
    epilog=examples(
        "opsadvisor completion bash > ~/.local/share/bash-completion/completions/opsadvisor",
        "opsadvisor completion zsh > ~/.zfunc/_opsadvisor",
        "opsadvisor completion fish > ~/.config/fish/completions/opsadvisor.fish",
    )
)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script: commands, options, files, and the ids of processes, risks and rules."""
    from click.shell_completion import get_completion_class

    completion_class = get_completion_class(shell)
    assert completion_class is not None  # click knows every shell the choice above allows
    script = completion_class(main, {}, "opsadvisor", "_OPSADVISOR_COMPLETE")
    click.echo(script.source())


@main.command(
    epilog=examples(
        "opsadvisor assess scenarios/sales-crm-business-operated.json",
        "opsadvisor assess scenarios/payroll-it-operated.json --format markdown --explain",
        "opsadvisor assess scenarios/trading-ledger-critical-sox.json --fail-on risk",
    )
)
@click.argument("scenarios", nargs=-1, required=True, type=PathArg(path_type=Path, allow_dash=True))
@click.option(
    "--format", "output_format", type=click.Choice(ASSESSMENT.names), default=ASSESSMENT.default, show_default=True
)
@click.option("--explain", is_flag=True, help="Add the trace: every fired rule and the facts it matched.")
@click.option(
    "--fail-on",
    type=click.Choice(["conflict", "risk", "decision", "drift"]),
    multiple=True,
    help="Exit 1 when the assessment has a conflict, a risk nobody has accepted, an open decision (a t.b.d. "
    "cell), or a drift from the agreement in the records (--records).",
)
@records_options
@as_of_option
@rules_options
@reports_errors
def assess(
    scenarios: tuple[Path, ...],
    output_format: str,
    explain: bool,
    fail_on: tuple[str, ...],
    records_file: Path | None,
    window_days: int | None,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Assess the service each SCENARIO file describes (JSON; '-' reads stdin).

    Several files: one report each, in order, then a one-line total (on stderr for --format json);
    an invalid file is reported and the others are still assessed (exit 3). With --records, an invalid
    record row is reported on stderr and left out, the others used (exit 3 after the reports)."""
    pack = selected_pack(rules_dirs, no_default_rules)
    shown = {"width": terminal.width(), "colour": terminal.colour()}
    day = as_of.date() if as_of else None
    book = read_records(records_file, day, window_days)
    if len(scenarios) == 1:
        assessment = api.assess(scenarios[0], rules=pack, as_of=day, records=book)
        click.echo(ASSESSMENT.render(output_format, assessment, explain=explain, **shown), nl=False)
        if report_records(book):
            sys.exit(EXIT_INVALID_SCENARIO)
        if _fails(assessment, fail_on):
            sys.exit(EXIT_FINDINGS)
        return
    invalid = failing = conflicts = pending = 0
    for number, scenario in enumerate(scenarios):
        try:
            assessment = api.assess(scenario, rules=pack, as_of=day, records=book)
        except ScenarioError as error:
            invalid += 1
            for line in error.lines():
                click.echo(f"error: {line}", err=True)
            continue
        if number and output_format != "json":
            click.echo("")
        click.echo(ASSESSMENT.render(output_format, assessment, explain=explain, **shown), nl=False)
        failing += _fails(assessment, fail_on)
        conflicts += bool(assessment.conflicts)
        pending += len(assessment.pending_risks)
    total = (
        f"{len(scenarios) - invalid} of {len(scenarios)} scenarios assessed: {conflicts} with conflicts, "
        f"{pending} risks pending, {invalid} invalid"
    )
    click.echo(total, err=output_format == "json")
    invalid += report_records(book)
    sys.exit(EXIT_INVALID_SCENARIO if invalid else EXIT_FINDINGS if failing else 0)


def _fails(assessment: Any, fail_on: tuple[str, ...]) -> bool:
    """Whether an assessment has a --fail-on finding."""
    drift = assessment.part("drift")
    return bool(
        ("conflict" in fail_on and assessment.conflicts)
        or ("risk" in fail_on and assessment.pending_risks)
        or ("decision" in fail_on and assessment.open_decisions)
        or ("drift" in fail_on and drift is not None and drift.drifts)
    )


@main.command(epilog=examples("opsadvisor schema"))
@rules_options
@reports_errors
def schema(rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """Print the scenario file's JSON Schema."""
    pack = selected_pack(rules_dirs, no_default_rules)
    click.echo(json.dumps(api.schema(pack), indent=2))


# --- the dialogue (issue 5) -----------------------------------------------------------------------


@main.command(
    epilog=examples(
        "opsadvisor interview -o my-service.json",
        "opsadvisor interview --yes -o my-service.json < docs/examples/answers.txt",
    )
)
@click.option(
    "-o", "--output", type=PathArg(dir_okay=False, path_type=Path), help="Write the scenario here (default: stdout)."
)
@click.option(
    "--from",
    "start",
    type=PathArg(dir_okay=False, path_type=Path),
    help="Start from this scenario and ask only what it lacks.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Write without the review at a terminal, and replace an existing -o file (needed when answers are piped).",
)
@rules_options
@reports_errors
def interview(
    output: Path | None, start: Path | None, yes: bool, rules_dirs: tuple[str, ...], no_default_rules: bool
) -> None:
    """Ask the dialogue's questions and write a scenario (answers may be piped on stdin).

    Questions and messages go to stderr. Nothing is written until the answers are complete (and, at a
    terminal, reviewed): Ctrl-C (exit 130) or the end of input (exit 1) leaves no file behind.
    """
    from .dialogue.interview import Declined, StdioAsker

    if sys.stdin is None:  # started with stdin closed (<&-)
        raise click.UsageError("standard input is closed: there is nothing to read the answers from")
    asker = StdioAsker()
    try:
        text = _interview(asker, output, start, yes, selected_pack(rules_dirs, no_default_rules))
        if output is not None:
            atomic_write(output, text.encode("utf-8"))
    except KeyboardInterrupt:
        click.echo("\nInterrupted: nothing was written.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except EOFError:
        click.echo("\nThe interview stopped before the last question: nothing was written.", err=True)
        sys.exit(EXIT_STOPPED)
    except Declined:
        click.echo("Nothing was written.", err=True)
        sys.exit(EXIT_STOPPED)
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {output}; assess it with: opsadvisor assess {output}", err=True)


def _interview(asker: Asker, output: Path | None, start: Path | None, yes: bool, pack: api.RulePack) -> str:
    """The interview's scenario text, in the output's format. The output file is checked before the first
    question, so no answer is typed for a file that cannot be written (a folder, a read-only format) or,
    without --yes, replaced unasked."""
    from .dialogue.interview import Review, scenario_text, summary
    from .scenario import STDIN, read_scenario_file
    from .scenario_formats import writable

    document = read_scenario_file(start) if start else None
    _, editor = writable(output or STDIN)  # the output's format (JSON on stdout): one that can be written
    replaces = output is not None and output.exists()
    if output is not None:
        AtomicFile(output).abort()  # the temporary file the write will use: a missing or read-only folder fails now
        if replaces and not (yes or asker.interactive):
            raise OutputError(str(output), ["the file exists; add --yes to replace it"])
        if replaces and not yes:
            asker.say(f"{output} exists: you will be asked before it is replaced.")
    target = str(output) if output is not None else "the scenario to stdout"
    review = Review(target, replaces) if asker.interactive and not yes else None
    result = api.interview(asker, document, rules=pack, source=str(start), review=review)
    assessor = api.assessor_for(pack)
    asker.say("")
    for line in summary(result, assessor.assess_document(result)):
        asker.say(line)
    return scenario_text(result, assessor.spec, editor)


@main.command(
    epilog=examples(
        "opsadvisor workshop scenarios/field-service-mixed.json -o workshop.md",
        "opsadvisor workshop scenarios/field-service-mixed.json -o workshop.html",
    )
)
@click.argument("scenario", type=PathArg(path_type=Path))
@click.option("-o", "--output", type=PathArg(dir_okay=False, path_type=Path), help="Write the pack here.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(WORKSHOP.names),
    help="markdown (default), or html (self-contained); -o *.html implies html.",
)
@records_options
@as_of_option
@rules_options
@reports_errors
def workshop(
    scenario: Path,
    output: Path | None,
    output_format: str | None,
    records_file: Path | None,
    window_days: int | None,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """The Support Model Design Workshop pack for a SCENARIO file (with --records, the drifts they show
    come first)."""
    if output is not None:
        refuse_replacing_input(output, [scenario])
    pack = selected_pack(rules_dirs, no_default_rules)
    output_format = output_format or WORKSHOP.for_path(output) or WORKSHOP.default
    day = as_of.date() if as_of else None
    book = read_records(records_file, day, window_days)
    text = api.workshop(scenario, rules=pack, output_format=output_format, as_of=day, records=book)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text.encode("utf-8"))
    if report_records(book):
        sys.exit(EXIT_INVALID_SCENARIO)


@main.command(
    cls=ListsPackIds,
    pack_ids=(("PROCESS", lambda pack: pack.process_ids),),
    epilog=examples("opsadvisor decide my-service.json incident --application business --performed-by vendor"),
)
@click.argument("scenario", type=PathArg(path_type=Path))
@click.argument("process", shell_complete=PROCESS_IDS)
@click.option("--application", required=True, help="it_ops, it_delivery, business or tbd.")
@click.option("--interface", help="it_ops, it_delivery, business, tbd or n/a.")
@click.option("--performed-by", help="Who does the daily work: vendor, business, it_ops or it_delivery.")
@rules_options
@reports_errors
def decide(
    scenario: Path,
    process: str,
    application: str,
    interface: str | None,
    performed_by: str | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Record who is accountable for PROCESS in the SCENARIO file's decisions (and who performs it)."""
    from .dialogue.record import describe_decision

    pack = selected_pack(rules_dirs, no_default_rules)
    recorded = api.decide(scenario, process, application, interface, performed_by, rules=pack)
    for line in describe_decision(recorded, process):
        click.echo(line)


@main.command(
    epilog=examples(
        "opsadvisor accept my-service.json personal-data-outside-it --role business_owner --name Jo --date 2026-01-31"
    )
)
@click.argument("scenario", type=PathArg(path_type=Path))
@click.argument("risk_id", shell_complete=RISK_IDS)
@click.option("--role", required=True, help="The accepting role, a role id of the rule pack (e.g. business_owner).")
@click.option("--name", required=True, help="Who accepted, in that role.")
@click.option("--date", help="When, as YYYY-MM-DD, not after today or --as-of (default: that day).")
@click.option(
    "--review-by",
    help="When to review the acceptance, YYYY-MM-DD (default, and at most: the pack's period for the severity).",
)
@as_of_option
@rules_options
@reports_errors
def accept(
    scenario: Path,
    risk_id: str,
    role: str,
    name: str,
    date: str | None,
    review_by: str | None,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Record in the SCENARIO file that a role accepted the risk RISK_ID (one of the roles it names)."""
    from .dialogue.record import describe_acceptance

    pack = selected_pack(rules_dirs, no_default_rules)
    day = as_of.date() if as_of else None
    recorded = api.accept(scenario, risk_id, role, name, date, review_by, rules=pack, as_of=day)
    for line in describe_acceptance(recorded, risk_id):
        click.echo(line)


@main.command(
    epilog=examples(
        'opsadvisor mitigate my-service.json personal-data-outside-it --action "Single sign-on" --owner CISO '
        "--due 2027-03-31"
    )
)
@click.argument("scenario", type=PathArg(path_type=Path))
@click.argument("risk_id", shell_complete=RISK_IDS)
@click.option("--action", required=True, help="What is done about the risk (at most 500 characters).")
@click.option("--owner", required=True, help="Who owns the action.")
@click.option("--due", required=True, help="When it is due, YYYY-MM-DD (overdue in every report after that day).")
@as_of_option
@rules_options
@reports_errors
def mitigate(
    scenario: Path,
    risk_id: str,
    action: str,
    owner: str,
    due: str,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Record in the SCENARIO file a mitigation of the risk RISK_ID: an action, its owner and due date (it does
    not accept the risk)."""
    from .dialogue.record import describe_mitigation

    pack = selected_pack(rules_dirs, no_default_rules)
    day = as_of.date() if as_of else None
    recorded = api.mitigate(scenario, risk_id, action, owner, due, rules=pack, as_of=day)
    for line in describe_mitigation(recorded, risk_id):
        click.echo(line)


@main.command(epilog=examples("opsadvisor serve scenarios --check"))
@click.argument("folder", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="The port (0: any free one)."
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; another than this machine's is warned about.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the workbench in the web browser.")
@click.option("--check", is_flag=True, help="Check the set-up (the extra, the rules, the folder's scenarios) and exit.")
@records_options
@rules_options
@reports_errors
def serve(
    folder: Path,
    port: int,
    host: str,
    open_browser: bool,
    check: bool,
    records_file: Path | None,
    window_days: int | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """The workbench: a local web page over a FOLDER of scenario files (needs pip install 'opsadvisor[web]').

    Run `opsadvisor serve scenarios --open`, and the browser opens it; Ctrl-C stops it (docs/workbench.md).
    """
    try:
        from .web.server import check_setup
        from .web.server import serve as run_server
    except ImportError as error:  # the extra is not installed
        raise click.UsageError(f"{error}; the workbench needs its extra: pip install 'opsadvisor[web]'") from None
    from .web.guard import LOCAL_HOSTS

    if host not in LOCAL_HOSTS:
        click.echo(
            f"warning: listening on {host}: anyone who can reach this address can read and change the scenarios",
            err=True,
        )
    pack = selected_pack(rules_dirs, no_default_rules)
    if check:
        click.echo(check_setup(folder, host, port, pack))
        return
    book = read_records(records_file, None, window_days)  # today's period, as the workbench's day is
    report_records(book)
    try:
        run_server(folder, host, port, open_browser, pack, click.echo, book)
    except KeyboardInterrupt:  # uvicorn stops on Ctrl-C, then raises it again for its caller
        click.echo("The workbench stopped.", err=True)


# --- rule authoring: rules list/show/docs/check/test, and explain --------------------------------


@main.group(name="rules")
def rules_group() -> None:
    """See, check and test rule packs."""


@rules_group.command(name="list", epilog=examples("opsadvisor rules list", "opsadvisor rules list --format json"))
@click.option(
    "--format", "output_format", type=click.Choice(RULES_LIST.names), default=RULES_LIST.default, show_default=True
)
@rules_options
@reports_errors
def rules_list(output_format: str, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """List the rules in effect: id, title, priority, source (seed or practice), conclusions, file:line, overrides."""
    found = api.list_rules(selected_pack(rules_dirs, no_default_rules))
    click.echo(RULES_LIST.render(output_format, found), nl=False)


@rules_group.command(name="show", epilog=examples("opsadvisor rules show ambition.it-operated"))
@click.argument("rule_id", shell_complete=RULE_IDS)
@rules_options
@reports_errors
def rules_show(rule_id: str, rules_dirs: tuple[str, ...], no_default_rules: bool) -> None:
    """Show one rule whole: conditions, conclusions, rationale and source."""
    click.echo(api.show_rule(rule_id, selected_pack(rules_dirs, no_default_rules)), nl=False)


@rules_group.command(
    name="docs", epilog=examples("opsadvisor rules docs -o rules-catalogue.md", "opsadvisor rules docs --reference")
)
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--reference",
    is_flag=True,
    help="The facts, tests and conclusion kinds a rule may use. With -o FILE holding the generated-block "
    "markers (docs/rules.md in a checkout), only that block is replaced.",
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


@rules_group.command(
    name="check", epilog=examples("opsadvisor rules check", "opsadvisor rules check docs/examples/acme-rules --strict")
)
@click.argument("dirs", nargs=-1, type=PathArg(path_type=Path))
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option(
    "--format", "output_format", type=click.Choice(RULES_CHECK.names), default=RULES_CHECK.default, show_default=True
)
@layer_options
@reports_errors
def rules_check(
    dirs: tuple[Path, ...], strict: bool, output_format: str, rules_dirs: tuple[str, ...], no_default_rules: bool
) -> None:
    """Check the pack with each rule DIR layered on top; errors (and, with --strict, warnings) exit 4."""
    report = api.check_rules([*(entry for entry in rules_dirs if entry), *dirs], include_default=not no_default_rules)
    click.echo(RULES_CHECK.render(output_format, report), nl=False)
    sys.exit(report.exit_code(strict))


@rules_group.group(name="table")
def rules_table() -> None:
    """Decision tables: convert between CSV, XLSX and YAML."""


@rules_table.command(
    name="convert",
    epilog=examples(
        "opsadvisor rules table convert docs/examples/tables/acme-tables/vendor-review.xlsx"
        " --to csv -o vendor-review.csv"
    ),
)
@click.argument("file", type=PathArg(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "to", type=click.Choice(["csv", "xlsx", "yaml"]), required=True, help="The form to write.")
@click.option("-o", "--output", type=PathArg(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option("--table", "table_id", metavar="ID", help="The table to convert, when the file holds several.")
@reports_errors
def rules_table_convert(file: Path, to: str, output: Path | None, table_id: str | None) -> None:
    """Convert the decision table(s) in FILE (default output: FILE with the new suffix)."""
    click.echo(api.convert_table(file, to, output, table_id))


@rules_group.command(
    name="test",
    epilog=examples(
        "opsadvisor rules test rules/tests --coverage --min-coverage 100",
        "opsadvisor rules test docs/examples/acme-rules/tests --rules docs/examples/acme-rules",
    ),
)
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


@main.command(
    epilog=examples(
        "opsadvisor explain scenarios/sales-crm-business-operated.json",
        "opsadvisor explain scenarios/payroll-it-operated.json --rule risk.continuity-with-business",
    )
)
@click.argument("scenario", type=PathArg(path_type=Path, allow_dash=True))
@click.option(
    "--rule", "rule_ids", multiple=True, metavar="ID", shell_complete=RULE_IDS, help="Explain this rule (repeatable)."
)
@click.option("--format", "output_format", type=click.Choice(EXPLAIN.names), default=EXPLAIN.default, show_default=True)
@records_options
@rules_options
@reports_errors
def explain(
    scenario: Path,
    rule_ids: tuple[str, ...],
    output_format: str,
    records_file: Path | None,
    window_days: int | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Why rules fired, and why not: the fired rules and near misses, or each --rule ID (with --records, the
    drift rules on the service's evidence)."""
    pack = selected_pack(rules_dirs, no_default_rules)
    book = read_records(records_file, None, window_days)
    explanation = api.explain(scenario, rule_ids, pack, records=book)
    click.echo(EXPLAIN.render(output_format, explanation), nl=False)
    if report_records(book):
        sys.exit(EXIT_INVALID_SCENARIO)


# --- batch and diff: a whole portfolio (opsadvisor.batch) -------------------------------------------


def _progress_bar(inputs: tuple[Path, ...], quiet: bool, label: str, table_map: Any = None) -> Any:
    """A progress bar on stderr when it is a terminal and not --quiet; else None."""
    from .batch import count_entries

    if quiet or not sys.stderr.isatty():
        return None
    return click.progressbar(
        length=count_entries(inputs, table_map),
        label=label,
        file=sys.stderr,
        show_pos=True,
        show_eta=True,
        item_show_func=lambda rate: rate,
    )


@main.command(
    epilog=examples(
        "opsadvisor batch scenarios",
        "opsadvisor batch docs/examples/portfolio.csv --out report.html --out report.xlsx",
        "opsadvisor batch scenarios/exports/servicenow-applications.csv --map scenarios/exports/servicenow-map.yaml"
        " --out report.xlsx",
        "opsadvisor batch --template portfolio.xlsx",
        "opsadvisor batch --template my-map.yaml --map-from scenarios/exports/leanix-applications.csv",
        "opsadvisor batch --example 10000 > portfolio.jsonl",
    )
)
@click.argument("inputs", nargs=-1, type=PathArg(path_type=Path))
@click.option(
    "--out",
    "outputs",
    multiple=True,
    type=PathArg(path_type=Path, dir_okay=False, allow_dash=True),
    help=f"Write a report; the format follows the extension: {' '.join(BATCH.names)} (repeatable). "
    "'-' streams JSON Lines to stdout, '-.csv' CSV, '-.summary.jsonl' summary lines.",
)
@click.option(
    "--map",
    "map_file",
    type=PathArg(path_type=Path, dir_okay=False),
    help="Read CSV/XLSX exports through this column map (FILE.yaml: rename, split, values, constants, ignore).",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option(
    "--fail-on",
    type=click.Choice(["conflict", "risk", "decision", "drift"]),
    multiple=True,
    help="Exit 1 when any service has a conflict, a risk nobody has accepted, an open decision (a t.b.d. "
    "cell), or a drift from the agreement in its records (--records); says which on stderr.",
)
@click.option(
    "--csv-encoding",
    type=click.Choice(["utf-8-sig", "utf-8"]),
    default="utf-8-sig",
    show_default=True,
    help="CSV reports: UTF-8 with a BOM (Excel reads it right), or plain utf-8.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option(
    "--template",
    type=PathArg(path_type=Path, dir_okay=False),
    help="Write an empty portfolio (FILE.xlsx: services, example and instructions sheets; FILE.csv: the "
    "header) or, with --map-from, a column map FILE.yaml; and exit.",
)
@click.option(
    "--map-from",
    type=PathArg(path_type=Path, dir_okay=False),
    help="With --template FILE.yaml: the export (.csv or .xlsx) whose header the map skeleton lists.",
)
@click.option("--force", is_flag=True, help="Let --template replace an existing file.")
@click.option(
    "--example",
    type=click.IntRange(min=0),
    metavar="N",
    help="Write an example portfolio of N services, made from the bundled scenarios, to stdout as JSON Lines; "
    "and exit. The same N (and --example-seed) give the same services.",
)
@click.option(
    "--example-seed",
    type=int,
    default=1,
    show_default=True,
    help="With --example: another seed draws another portfolio.",
)
@records_options
@as_of_option
@rules_options
@reports_errors
def batch(
    inputs: tuple[Path, ...],
    outputs: tuple[Path, ...],
    map_file: Path | None,
    jobs: int | None,
    fail_on: tuple[str, ...],
    csv_encoding: str,
    quiet: bool,
    template: Path | None,
    map_from: Path | None,
    force: bool,
    example: int | None,
    example_seed: int,
    records_file: Path | None,
    window_days: int | None,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Assess every service of a portfolio: folders, .jsonl, .json, .csv and .xlsx files (opsadvisor docs batch)."""
    from .batch import (
        NO_MAP,
        batch_exit_code,
        check_output,
        load_map,
        render_summary,
        report_context,
        run_batch,
    )

    if template is not None:
        _write_template(inputs, template, map_from, force)
        return
    if example is not None:
        _write_example(inputs, example, example_seed)
        return
    if map_from is not None:
        raise click.UsageError("--map-from goes with --template FILE.yaml")
    if not inputs:
        raise click.UsageError("give at least one INPUT (or --template FILE, or --example N)")
    for target in outputs:
        try:
            check_output(target)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--out") from None
    streaming = any(str(target).startswith("-") for target in outputs)
    table_map = load_map(map_file) if map_file is not None else NO_MAP
    pack = selected_pack(rules_dirs, no_default_rules)
    book = read_records(records_file, as_of.date() if as_of else None, window_days)
    report_records(book)  # what reading them noted, and their invalid rows: before the services
    bar = _progress_bar(inputs, quiet, "assessing", table_map)
    started = time.monotonic()

    def report(done: int, invalid: Any) -> None:
        for outcome in invalid:
            click.echo(f"invalid: {outcome.error}", err=True)
        if bar is not None:
            bar.update(done, f"{(bar.pos + done) / max(time.monotonic() - started, 1e-6):.0f} services/s")

    def note(text: str) -> None:
        click.echo(f"warning: {printable(text)}", err=True)

    assess = partial(
        run_batch,
        inputs,
        pack,
        outputs,
        jobs,
        on_progress=report,
        as_of=as_of.date() if as_of else None,
        table_map=table_map,
        on_note=note,
        bom=csv_encoding == "utf-8-sig",
        records=book,
    )
    if bar is not None:
        with bar:
            summary = assess()
    else:
        summary = assess()
    if not quiet:
        click.echo(render_summary(summary, report_context(pack).process_names), nl=False, err=streaming)
    code = batch_exit_code(summary, fail_on)
    for line in summary.gates.failed(fail_on):
        click.echo(line, err=True)
    sys.exit(code)


def _write_template(inputs: tuple[Path, ...], template: Path, map_from: Path | None, force: bool) -> None:
    from .batch import write_template

    if inputs:
        raise click.UsageError("--template writes a template; give no INPUT with it")
    try:
        write_template(template, force=force, map_from=map_from)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--template") from None


def _write_example(inputs: tuple[Path, ...], count: int, seed: int) -> None:
    """The example portfolio as JSON Lines on stdout, one service a line, as it is made."""
    if inputs:
        raise click.UsageError("--example writes an example portfolio; give no INPUT with it")
    out = sys.stdout
    try:
        for document in api.example_portfolio(count, seed):
            out.write(json.dumps(document, ensure_ascii=False) + "\n")
        out.flush()
    except OSError as error:
        if error.errno == errno.EPIPE:
            raise  # the reader stopped early (| head): click exits quietly
        raise write_failed(Path("stdout"), error) from None


@main.command(
    epilog=examples(
        "opsadvisor diff scenarios --no-default-rules --base-rules rules"
        " --rules rules --rules docs/examples/acme-rules",
    )
)
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

    Lists each changed service's added and removed items. Exit 0 when no service changes, 1 when some
    do, 2 when an input is missing or unreadable, 3 when an entry is invalid under both packs.
    """
    from .batch.diff import diff_portfolio

    base = selected_pack(base_dirs, no_default_rules)
    pack = selected_pack(rules_dirs, no_default_rules)
    bar = _progress_bar(inputs, False, "comparing")
    if bar is not None:
        with bar:
            report = diff_portfolio(inputs, base, pack, jobs, on_entry=lambda: bar.update(1))
    else:
        report = diff_portfolio(inputs, base, pack, jobs)
    for error in report.invalid:
        click.echo(f"invalid: {error}", err=True)
    click.echo(DIFF.render(output_format, report), nl=False)
    sys.exit(EXIT_INVALID_SCENARIO if report.invalid else EXIT_FINDINGS if report.changed else 0)


# --- records: is the agreed model lived? (opsadvisor.records) ---------------------------------------


@main.group(name="records")
def records_group() -> None:
    """Read a service's own records (tickets, contracts, access reviews) as evidence of practice."""


@records_group.command(
    name="example",
    epilog=examples(
        "opsadvisor records example my-records",
        "opsadvisor assess scenarios/payroll-it-operated.json --records my-records/records.yaml",
    ),
)
@click.argument("folder", type=PathArg(path_type=Path, file_okay=False))
@click.option(
    "--scenarios",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Generate records for the scenarios of this folder (default: the bundled scenarios).",
)
@click.option("--seed", type=int, default=28, show_default=True, help="The seed of the generator's choices.")
@click.option("--force", is_flag=True, help="Replace the files of an earlier example in FOLDER.")
@as_of_option
@rules_options
@reports_errors
def records_example(
    folder: Path,
    scenarios: Path | None,
    seed: int,
    force: bool,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """Write example records for a folder of scenarios into FOLDER: a ServiceNow and a Jira Service
    Management export with their maps, a parties map, a contract register, access reviews and the
    manifest, consistent with each service's agreed model plus known drifts (expected-drifts.json)."""
    from .records.example import FILES

    pack = selected_pack(rules_dirs, no_default_rules)
    try:
        made = api.write_records_example(folder, as_of.date() if as_of else None, scenarios, seed, force, pack)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--scenarios") from None
    drifts = sum(len(found) for found in made.expected["current"].values())
    click.echo(f"{folder}: wrote {', '.join(FILES)}")
    click.echo(
        f"{len(made.snow) + len(made.jsm)} tickets of the 180 days before {made.as_of}; "
        f"{drifts} drifts expected in the last 90 (expected-drifts.json)"
    )
    click.echo(f"assess with: opsadvisor batch {scenarios or 'scenarios'} --records {folder / 'records.yaml'}")


@records_group.command(
    name="diff",
    epilog=examples(
        "opsadvisor records diff scenarios --records my-records/records.yaml",
        "opsadvisor records diff scenarios --records my-records/records.yaml --from 2026-06-30 --as-of 2026-11-30",
    ),
)
@click.argument("inputs", nargs=-1, required=True, type=PathArg(path_type=Path))
@click.option(
    "--records",
    "records_file",
    required=True,
    type=PathArg(path_type=Path, dir_okay=False),
    help="The records manifest (opsadvisor docs assurance).",
)
@click.option(
    "--from",
    "before",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The as-of day of the earlier period, YYYY-MM-DD (default: one window before the as-of day).",
)
@click.option(
    "--window",
    "window_days",
    type=click.IntRange(1, 3660),
    help="Days of records before each as-of day (default: the manifest's window_days, else 90).",
)
@click.option(
    "--format", "output_format", type=click.Choice(RECORDS_DIFF.names), default=RECORDS_DIFF.default, show_default=True
)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@as_of_option
@rules_options
@reports_errors
def records_diff(
    inputs: tuple[Path, ...],
    records_file: Path,
    before: datetime.datetime | None,
    window_days: int | None,
    output_format: str,
    jobs: int,
    as_of: datetime.datetime | None,
    rules_dirs: tuple[str, ...],
    no_default_rules: bool,
) -> None:
    """What got better: each service's drifts in two periods of its records (INPUT as for batch).

    Exit 0 when no drift is new, 1 when one is (worse), 3 when an entry or a record row is invalid."""
    from .batch import check_paths

    check_paths(list(inputs), [])
    pack = selected_pack(rules_dirs, no_default_rules)
    try:
        report = api.diff_periods(
            inputs,
            records_file,
            before.date() if before else None,
            as_of.date() if as_of else None,
            pack,
            window_days,
            jobs,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--from") from None
    for problem in report.invalid:
        click.echo(f"invalid: {problem}", err=True)
    bad_rows = report_records(report.records)
    click.echo(RECORDS_DIFF.render(output_format, report), nl=False)
    sys.exit(EXIT_INVALID_SCENARIO if report.invalid or bad_rows else EXIT_FINDINGS if report.worse else 0)
