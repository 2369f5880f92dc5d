"""Assess a whole portfolio: read many scenarios, assess them in parallel, write portfolio reports.

The Python twins of `opsadvisor batch` and `opsadvisor diff` (re-exported by opsadvisor.api).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..api import RulesArg, rule_pack
from ..errors import EXIT_FINDINGS, EXIT_INVALID_SCENARIO, EXIT_OK
from ..rulepack import RulePack
from .inputs import iter_entries, write_template
from .outputs import ReportContext, Writer, check_output, open_writer
from .runner import Outcome, assess_entries, default_jobs
from .summary import Summary, render_summary

__all__ = [
    "Outcome",
    "Summary",
    "batch_exit_code",
    "count_entries",
    "render_summary",
    "run_batch",
    "write_template",
]


def count_entries(inputs: Iterable[str | Path]) -> int:
    """How many entries the inputs hold (reads them once, decodes no JSON; for progress bars)."""
    return sum(1 for _ in iter_entries(inputs))


def report_context(pack: RulePack) -> ReportContext:
    return ReportContext(tuple((process.id, process.name) for process in pack.processes), pack.version)


def run_batch(
    inputs: Iterable[str | Path],
    rules: RulesArg = None,
    outputs: Iterable[str | Path] = (),
    jobs: int | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    include_default_rules: bool = True,
) -> Summary:
    """Assess every entry of the inputs and write every output; returns the portfolio summary.

    Invalid entries never stop the batch: they are counted, passed to `on_outcome` and written
    with status "invalid". Outputs are written atomically once every entry is done; on an error
    (or Ctrl-C) no output is replaced. Raises ValueError for an output of unknown format.
    """
    pack = rule_pack(rules, include_default_rules)
    targets = [Path(path) for path in outputs]
    for target in targets:
        check_output(target)
    context = report_context(pack)
    writers: list[Writer] = []
    summary = Summary()
    try:
        writers = [open_writer(target, context) for target in targets]
        with_json = any(writer.needs_json for writer in writers)
        for outcome in assess_entries(iter_entries(inputs), pack, jobs or default_jobs(), with_json):
            summary.add(outcome)
            for writer in writers:
                writer.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        writer.finish(summary)
    return summary


def batch_exit_code(summary: Summary, fail_on: Iterable[str] = ()) -> int:
    """3 when an entry was invalid; else 1 when a --fail-on finding is present; else 0."""
    if summary.invalid:
        return EXIT_INVALID_SCENARIO
    fail_on = set(fail_on)
    if ("conflict" in fail_on and summary.conflicts) or ("risk" in fail_on and summary.pending_risks):
        return EXIT_FINDINGS
    return EXIT_OK
