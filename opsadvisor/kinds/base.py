"""What a conclusion kind is: one object that knows everything about one kind of conclusion.

A kind is written in rules' `then` lists (`authored`), or made by the assessment itself (open
decisions, open questions). Each kind module defines one `Kind` subclass and registers it; every
consumer (rule files, catalogue, engine, assessment, reports, batch, diff, rule tests, explain)
asks the registry instead of testing `kind == "..."`. A hook a kind has nothing to say to keeps the
default here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ..errors import did_you_mean
from ..rulesyntax import as_written

if TYPE_CHECKING:
    from ..assessment import Assessment, AssessmentDraft
    from ..rulepack.ir import RulePack

Payload = Any
Outline = Any  # the small, picklable summary of a part that a batch outcome carries


@dataclass(frozen=True)
class Section:
    """One section of a report: a titled table (terminal, Markdown) with column widths for wrapping."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    empty: str = "None."
    wrap: tuple[int | None, ...] = ()
    note: str = ""  # a sentence under the table


@dataclass(frozen=True)
class BatchColumn:
    """One column of the batch report's service rows (CSV, XLSX, Markdown); `order` places it."""

    header: str
    order: int
    value: Callable[[Outline], Any]


class Finding(NamedTuple):
    """One thing to act on, in words, as a portfolio report lists it (the XLSX Findings sheet, the HTML
    report's services with the most findings). A NamedTuple: it is spooled as a JSON array."""

    finding: str  # what it is: "risk"
    what: str  # which one, in words: the risk's title
    severity: str  # or its priority; "" when it has none
    text: str
    rule: str  # the rule that raised it; "" when the assessment made it


class Words(Protocol):
    """How a portfolio report names ids in words (batch.outputs.ReportContext)."""

    @property
    def process_names(self) -> dict[str, str]: ...

    def kind_label(self, kind: str) -> str: ...

    def risk_label(self, risk: str) -> str: ...


@dataclass(frozen=True)
class FindingCount:
    """A kind's count of findings (Kind.findings) as a column of the workbench's scenario lists."""

    key: str  # its sort key in the page's address: `?sort=risks`
    header: str  # "risks to accept"
    highlight: bool = False  # a count above zero is marked


@dataclass(frozen=True)
class SummaryTable:
    title: str
    headers: list[str]
    rows: list[tuple[Any, ...]]


class Expectation:
    """Keys of a rule test's `expect` block, and how to check them against an assessment."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of `expect` it checks (read only: a subclass sets it as a class attribute or a property)."""
        return ()

    def problems(self, key: str, value: Any, pack: RulePack) -> list[str]:
        """What is wrong with an expected value as written (before any case runs)."""
        return []

    def diff(self, expect: Mapping[str, Any], assessment: Assessment) -> list[str]:
        """'- expected' / '+ actual' lines for each unmet expectation; empty when met."""
        return []


@dataclass(frozen=True)
class ValueExpectation(Expectation):
    """`key: value`: one value of the assessment equals the expected one."""

    key: str
    actual: Callable[[Assessment], Any]
    valid: Callable[[Any], bool]
    wanted: str  # what a valid value looks like

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,)

    def problems(self, key: str, value: Any, pack: RulePack) -> list[str]:
        return [] if self.valid(value) else [f"{key}: expected {self.wanted}"]

    def diff(self, expect: Mapping[str, Any], assessment: Assessment) -> list[str]:
        found = self.actual(assessment)
        if self.key in expect and expect[self.key] != found:
            return [f"- {self.key}: {show(expect[self.key])}", f"+ {self.key}: {show(found)}"]
        return []


@dataclass(frozen=True)
class IdsExpectation(Expectation):
    """`key: [ids]`: each id is in the assessment's list ([]: the list is empty); `absent: [ids]`: none is."""

    key: str
    absent: str
    actual: Callable[[Assessment], list[str]]  # sorted, without duplicates
    vocabulary: Callable[[RulePack], tuple[str, ...]]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, self.absent)

    def problems(self, key: str, value: Any, pack: RulePack) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return [f"{key}: expected a list of ids"]
        allowed = self.vocabulary(pack)
        listed = f"expected one of {', '.join(allowed)}" if len(allowed) <= 15 else "see `opsadvisor rules list`"
        return [
            f"{key}: unknown id '{item}'{did_you_mean(item, allowed)}; {listed}"
            for item in value
            if item not in allowed
        ]

    def diff(self, expect: Mapping[str, Any], assessment: Assessment) -> list[str]:
        found = self.actual(assessment)
        lines: list[str] = []
        if self.key in expect:
            wanted = expect[self.key]
            if (not wanted and found) or not set(wanted) <= set(found):
                qualifier = "" if not wanted else " (at least)"
                lines += [f"- {self.key}: {show(wanted)}{qualifier}", f"+ {self.key}: {show(found)}"]
        if self.absent in expect:
            unwanted = sorted(set(expect[self.absent]) & set(found))
            if unwanted:
                lines += [
                    f"- {self.absent}: {show(expect[self.absent])}",
                    f"+ {self.key}: {show(found)} (has {', '.join(unwanted)})",
                ]
        return lines


def show(value: Any) -> str:
    """An expected or actual value in a rule test's diff: [a, b], text, or JSON."""
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return value if isinstance(value, str) else json.dumps(value)


class Kind:
    """One kind of conclusion. Subclasses set the attributes and override the hooks that apply."""

    name: str = ""
    authored: bool = True  # written in a rule's `then`; False: made by the assessment itself
    shape: str = ""  # how it is written, for the authoring reference
    meaning: str = ""
    catalogue: str | None = None  # the `rules docs` heading of rules that conclude it
    catalogue_order: int = 100  # where that heading stands; a rule is listed under its first heading
    part: str = ""  # the key of its part of the assessment (JSON), "": no part of its own
    order: int = 100  # where its part stands in the JSON and the report (built in this order too)
    columns: tuple[BatchColumn, ...] = ()  # its columns in the batch report's service rows
    summary_order: int | None = None  # where its tables stand in the portfolio summary (default: order)
    finding_count: FindingCount | None = None  # a kind whose `findings` counts: its column in the workbench
    aspects: tuple[tuple[str, int], ...] = ()  # (aspect, order) that `diff` compares, see diff_aspects
    # Whether build compares the texts it interpolates (sorts or deduplicates by them): a batch then keeps
    # a profile's outcome for services of other names only when they compare alike (batch.memo).
    compares_texts: bool = True
    # The other parts its build reads (draft.parts), all built before it; None: it may read any of them (a kind
    # that does not say). An assessment built for some parts only builds these too (build_assessment's `only`).
    reads: tuple[str, ...] | None = None

    # --- rule files ------------------------------------------------------------------------------

    def parse(self, data: Any) -> Payload | str:
        """The typed payload of `- kind: data`, or what is wrong with it."""
        raise NotImplementedError

    def describe(self, payload: Payload) -> str:
        """One line for the trace and the catalogue, e.g. 'conflict contract_ownership (high)'."""
        raise NotImplementedError

    def detail(self, payload: Payload) -> str:
        """The text a reader of the catalogue wants beside the one-line description."""
        return ""

    def detail_lines(self, payload: Payload) -> list[tuple[str, str]]:
        """(field, text) pairs `rules show` prints under the description."""
        return []

    def texts(self, payload: Payload) -> tuple[str, ...]:
        """Texts that may hold {placeholders}, checked against the facts the pack knows."""
        return ()

    def check(self, payload: Payload, pack: PackFacts) -> list[str]:
        """Problems only the whole pack can reveal (unknown process ids, undeclared conflict kinds)."""
        return []

    def disagreement(self, mine: Sequence[Payload], theirs: Sequence[Payload], other: str, pack: PackFacts) -> str:
        """For two rules of equal priority, what `mine` concludes that rule `other` (`theirs`) concludes
        otherwise, said from `mine`'s side ('' when they agree)."""
        return ""

    # --- the assessment --------------------------------------------------------------------------

    def build(self, draft: AssessmentDraft) -> Any:
        """This kind's part of the assessment from the conclusions that fired (settled by priority or collected)."""
        return None

    def to_json(self, value: Any) -> Any:
        return [dict(item.__dict__) for item in value]

    def headline(self, value: Any, assessment: Assessment) -> list[str]:
        """Lines at the top of a report for people (the recommendation): rules named by their titles."""
        return []

    def sections(self, value: Any, assessment: Assessment) -> list[Section]:
        return []

    def outranked(self, payload: Payload, assessment: Assessment) -> str | None:
        """Why a fired rule's conclusion does not show in the assessment (explain), or None."""
        return None

    def expectations(self) -> tuple[Expectation, ...]:
        return ()

    # --- a portfolio -----------------------------------------------------------------------------

    def outline(self, value: Any) -> Outline:
        """What a batch outcome keeps of the part: small and picklable."""
        return None

    def findings(self, outline: Outline) -> int:
        """How many findings (things to act on) the part holds, for the portfolio's ranking."""
        return 0

    def listed_findings(self, part: Any, words: Words) -> list[Finding]:
        """The part's findings in words, read from its JSON (`to_json`'s value, as the batch keeps it):
        the portfolio reports list them in the summary's kind order (kinds.summarised)."""
        return []

    def new_tally(self) -> Any:
        return None

    def tally(self, tally: Any, outline: Outline) -> Any:
        """Count one service into the portfolio tally; returns the tally."""
        return tally

    def merge(self, tally: Any, later: Any) -> Any:
        """Add `later`, the tally of the services after those of `tally` (a worker's chunk of a batch), into
        `tally`; returns it. A kind that overrides `tally` overrides this too (else the batch tallies its
        outlines in one process: mergeable)."""
        return tally

    def summary_tables(self, tally: Any, process_names: Mapping[str, str]) -> list[SummaryTable]:
        return []

    def diff_aspects(self, outline: Outline) -> dict[str, str]:
        """The aspects `diff` compares, as readable text."""
        return {}


@dataclass(frozen=True)
class PackFacts:
    """What a cross-check needs to know of the pack around a rule."""

    process_ids: tuple[str, ...]
    conflict_kinds: Mapping[str, str]
    roles: Mapping[str, Any] = field(default_factory=dict)  # rulepack.ir.Role by id
    acceptance: Mapping[str, Any] = field(default_factory=dict)  # rulepack.ir.AcceptancePolicy by severity
    processes: tuple[Any, ...] = ()  # rulepack.ir.Process, for the effective model's facts
    questions: Mapping[str, str] = field(default_factory=dict)  # the pack's wording of questions, by field


# --- small shape helpers for parse() --------------------------------------------------------------


def mapping(data: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any] | str:
    """The data as a plain dict when it has exactly the allowed keys and all required ones."""
    if not isinstance(data, dict):
        return f"expected a mapping with {', '.join(required)}"
    allowed = required + optional
    for key in data:
        if key not in allowed:
            return f"unknown key '{key}'; expected {', '.join(allowed)}{did_you_mean(key, allowed)}"
    missing = [key for key in required if key not in data]
    if missing:
        return f"missing {', '.join(missing)}"
    return dict(data)


def text_fields(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | str:
    """The data with each of `keys` as text with folded white space, or which one is not text."""
    for key in keys:
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                return f"{key} must be text"
            data[key] = " ".join(data[key].split())
    return data


def unknown(what: str, found: Any, allowed: Sequence[str]) -> str:
    return (
        f"unknown {what} {as_written(found)}; expected one of {', '.join(allowed)}{did_you_mean(str(found), allowed)}"
    )
