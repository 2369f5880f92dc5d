"""Assess a whole portfolio: read many scenarios, assess them in parallel, write portfolio reports.

The Python twins of `opsadvisor batch` and `opsadvisor diff` (re-exported by opsadvisor.api).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import scenario_formats
from ..api import Assessor, RulesArg, assessor_for, evidence_book, rule_pack
from ..assessment import DateArg
from ..errors import EXIT_FINDINGS, EXIT_INVALID_SCENARIO, EXIT_OK, ScenarioError, UsageError
from ..files import refuse_replacing_input
from ..rulepack import RulePack
from ..tabular import NO_MAP, TableMap, load_map
from .chunks import Request, assess_chunks
from .duplicates import DuplicateIds
from .gates import Gates
from .inputs import DOCUMENT, Entry, check_inputs, iter_entries, write_template
from .outputs import STDOUT, LinesWriter, ReportContext, Writer, by_input, check_output, open_writer
from .rollups import RollUps
from .runner import Outcome, default_jobs
from .summary import Summary, render_summary

if TYPE_CHECKING:
    from ..records import EvidenceBook, RecordsArg

__all__ = [
    "NO_MAP",
    "Gates",
    "Outcome",
    "Summary",
    "batch_exit_code",
    "check_output",
    "count_entries",
    "load_map",
    "render_summary",
    "run_batch",
    "write_template",
]


def count_entries(inputs: Iterable[str | Path], table_map: TableMap | None = None) -> int:
    """How many entries the inputs hold, read through the column map (reads them once, decodes no JSON;
    for progress bars)."""
    return sum(1 for _ in iter_entries(inputs, table_map or NO_MAP))


def report_context(pack: RulePack) -> ReportContext:
    risk_titles: dict[str, str] = {}
    for rule in pack.rules:
        for risk in rule.of_kind("risk"):
            risk_titles.setdefault(risk.id, rule.title)
    return ReportContext(
        tuple((process.id, process.name) for process in pack.processes),
        pack.version,
        dict(pack.conflict_kinds),
        risk_titles,
        {rule.id: rule.title for rule in pack.rules},
    )


def run_batch(
    inputs: Iterable[str | Path],
    rules: RulesArg = None,
    outputs: Iterable[str | Path] = (),
    jobs: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    include_default_rules: bool = True,
    as_of: DateArg = None,
    table_map: TableMap | str | Path = NO_MAP,
    on_note: Callable[[str], None] | None = None,
    bom: bool = True,
    records: RecordsArg | EvidenceBook | None = None,
    on_progress: Callable[[int, Sequence[Outcome]], None] | None = None,
) -> Summary:
    """Assess every entry of the inputs and write every output; returns the portfolio summary. Risk
    acceptances are evaluated on `as_of` (a date or YYYY-MM-DD; default: today). CSV and XLSX inputs
    are read through `table_map` (a TableMap or a map file, see mapping.py); the readers' notes (an
    encoding guessed) go to `on_note`, and so do, at the end, the service ids more than one entry uses
    (duplicates.py). A CSV report starts with a BOM unless `bom` is False. With `records` (a records
    manifest, a RecordSet or an EvidenceBook), each service gets its evidence over the period before
    `as_of` and the drift rules weigh it; the summary keeps the EvidenceBook (`summary.records`: its
    invalid rows, its notes), and records no service asked for are a note.

    `on_outcome` sees each entry's Outcome as it is done; `on_progress`, after each chunk of entries
    (runner.CHUNK_SIZE), how many it held and the outcomes of the invalid ones. on_outcome costs this
    process some work per entry that the workers do otherwise (docs/batch.md, Performance): the CLI
    takes on_progress.

    Invalid entries never stop the batch: they are counted, passed to `on_outcome` and `on_progress` and
    written with status "invalid". Outputs are written atomically once every entry is done; on an error
    (or Ctrl-C) no output is replaced and the worker processes are stopped. Raises ValueError for
    an output of unknown format; UsageError (exit 2), before any work, for an input that does not
    exist or cannot be read, an output folder that does not exist, or an output that is an input.
    """
    sources = [Path(path) for path in inputs]
    targets = [Path(path) for path in outputs]
    check_paths(sources, targets)
    if not isinstance(table_map, TableMap):
        table_map = load_map(table_map)
    pack = rule_pack(rules, include_default_rules)
    book = None if records is None else evidence_book(records, as_of)
    context = replace(report_context(pack), bom=bom)
    writers: list[Writer] = []
    rollups = None if book is None else RollUps(book)
    summary = Summary(records=book, rollups=rollups)
    duplicates = DuplicateIds()
    try:
        for target in targets:  # one by one: those opened before one that fails are aborted below
            writers.append(open_writer(target, context))
        line_writers, outcome_writers = by_input(writers)
        request = Request(
            lines=frozenset(writer.lines for writer in line_writers if writer.lines),
            outcomes=bool(outcome_writers) or rollups is not None or on_outcome is not None,
            with_json=rollups is not None or any(writer.needs_json for writer in outcome_writers),
            written=written_by_workers(line_writers),
        )
        # JSON Lines in blocks of lines, split by the workers, unless this process reads each entry's service
        entries = iter_entries(sources, table_map, on_note, blocks=book is None)
        if book is not None:
            entries = with_evidence(entries, book, assessor_for(pack))
        chunks = assess_chunks(entries, pack, jobs or default_jobs(), request, as_of)
        with contextlib.closing(chunks):  # stops the workers now, whatever ends the loop
            for chunk in chunks:
                summary.merge(chunk.summary)
                duplicates.add_all(chunk.ids, chunk.locations)
                for outcome in chunk.outcomes:
                    if rollups is not None:
                        rollups.add(outcome)
                    for outcome_writer in outcome_writers:
                        outcome_writer.add(outcome)
                    if on_outcome is not None:
                        on_outcome(outcome)
                for line_writer in line_writers:
                    lines = chunk.lines.get(line_writer.lines or "")
                    if lines is not None:  # else the workers wrote them (Request.written)
                        line_writer.add_lines(lines)
                if on_progress is not None:
                    on_progress(chunk.summary.read, chunk.invalid)
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        writer.finish(summary)
    if on_note is not None:
        for line in duplicates.warnings():
            on_note(line)
    if book is not None and on_note is not None:
        for note in book.unmatched():
            on_note(note)
    return summary


def written_by_workers(writers: list[LinesWriter]) -> tuple[tuple[str, str, str], ...]:
    """(line format, file, output name) of the formats every writer of which lets the workers write its
    file (LinesWriter.path_for_workers): the others take the lines through add_lines."""
    files = {writer: writer.path_for_workers() for writer in writers}
    taken = {writer.lines for writer, file in files.items() if file is None}  # add_lines needs their lines
    return tuple(
        (cast(str, writer.lines), *file)
        for writer, file in files.items()
        if file is not None and writer.lines not in taken
    )


def with_evidence(entries: Iterable[Entry], book: EvidenceBook, assessor: Assessor) -> Iterator[Entry]:
    """The entries, each valid one with its evidence from the records (`evidence` in its document); an
    invalid one as it is, for the worker to report. Read here, in the parent, since the evidence is the
    service's (by its id or name) and the workers hold no records."""
    for entry in entries:
        try:
            document = entry.document()
            scenario = assessor.parse(document, entry.location)
        except ScenarioError:
            yield entry
            continue
        yield Entry(entry.location, DOCUMENT, {**document, "evidence": book.evidence(scenario).to_document()})


def check_paths(sources: list[Path], targets: list[Path]) -> None:
    """UsageError (exit 2) for every input that cannot be read and every output that cannot be written
    (unknown format, no such folder, one of the inputs), before any work: nothing is written."""
    problems = check_inputs(sources)
    for target in targets:
        check_output(target)
        if str(target) in STDOUT:
            continue
        folder = target.parent
        if not folder.is_dir():
            problems.append(f"{target}: no such folder {folder}")
        elif not os.access(folder, os.W_OK | os.X_OK):
            problems.append(f"{target}: cannot write in the folder {folder}")
    if problems:
        raise UsageError("", problems)
    for target in targets:
        refuse_input_as_output(target, sources)


def refuse_input_as_output(target: Path, inputs: Iterable[Path]) -> None:
    """OutputError (exit 2) when a report would replace an input: the same file (through links too),
    or a scenario file inside an input folder (the next run would read the report as a scenario)."""
    refuse_replacing_input(target, inputs, read_in_folder=scenario_formats.suffixes())


def batch_exit_code(summary: Summary, fail_on: Iterable[str] = ()) -> int:
    """3 when an entry (or a row of the records) was invalid; else 1 when a --fail-on finding is present;
    else 0."""
    if summary.invalid or (summary.records is not None and summary.records.problems.count):
        return EXIT_INVALID_SCENARIO
    fail_on = set(fail_on)
    if (
        ("conflict" in fail_on and summary.conflicts)
        or ("risk" in fail_on and summary.pending_risks)
        or ("decision" in fail_on and summary.open_decisions)
        or ("drift" in fail_on and summary.drifts)
    ):
        return EXIT_FINDINGS
    return EXIT_OK
