"""Output formats: one registry per output target, keyed by format name.

Each command that writes a report picks its renderer here by name (as conftest's `output.Get`
does), and the same registry feeds the CLI's `--format` choices, the `--out` extension check, the
docs test and the golden-test matrix. A renderer is named by "module:attribute" and imported on
first use, so `opsadvisor assess` loads only the format it prints.

Adding a format is one new module plus one `register` line below. A target's renderers share one
signature; a renderer takes the keyword options its registration lists and is called without the
others (the JSON report always carries the trace, so it takes no `explain`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from .batch.outputs import ReportContext, Writer

R = TypeVar("R", bound=Callable[..., Any])


class Format(NamedTuple):  # a NamedTuple, not a dataclass: cheaper to define at start-up
    name: str
    ref: str  # "package.module:attribute[.attribute]"
    options: tuple[str, ...] = ()  # keyword options the renderer takes
    suffixes: tuple[str, ...] = ()  # file extensions written in this format, the usual one first


class Registry(Generic[R]):
    """Format name -> renderer of one output target; the first format registered is the default."""

    def __init__(self, target: str) -> None:
        self.target = target  # the command, as the docs name it: "assess", "rules test"
        self._formats: dict[str, Format] = {}

    def register(self, name: str, ref: str, *, options: tuple[str, ...] = (), suffixes: tuple[str, ...] = ()) -> None:
        if name in self._formats:
            raise ValueError(f"{self.target}: the format {name} is registered twice")
        self._formats[name] = Format(name, ref, options, suffixes)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._formats)

    @property
    def default(self) -> str:
        return next(iter(self._formats))

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def format(self, name: str) -> Format:
        """The registration of a format, or ValueError naming the registered ones."""
        try:
            return self._formats[name]
        except KeyError:
            raise ValueError(f"unknown {self.target} format {name or '(none)'}; use {', '.join(self.names)}") from None

    def get(self, name: str) -> R:
        """The renderer of a format, imported now."""
        module, _, attribute = self.format(name).ref.partition(":")
        found: Any = importlib.import_module(module)
        for part in attribute.split("."):
            found = getattr(found, part)
        return found

    def render(self, name: str, subject: Any, **options: Any) -> str:
        """Render `subject` in a format, passing only the options that format takes."""
        taken = self.format(name).options
        return self.get(name)(subject, **{key: value for key, value in options.items() if key in taken})

    def for_path(self, path: str | Path | None) -> str | None:
        """The format a file name's extension asks for, if any."""
        if path is None:
            return None
        suffixes = Path(path).suffixes
        # the last two extensions first: "x.summary.jsonl" is a format of its own, not ".jsonl"
        for suffix in ("".join(suffixes[-2:]).lower(), Path(path).suffix.lower()):
            found = next((entry.name for entry in self if suffix in entry.suffixes), None)
            if found is not None:
                return found
        return None


# --- the targets ---------------------------------------------------------------------------------

# (Assessment, [explain: bool], [width: int | None, colour: bool: the terminal's, see terminal.py]) -> str
ASSESSMENT: Registry[Callable[..., str]] = Registry("assess")
ASSESSMENT.register(
    "table", "opsadvisor.render.table:render", options=("explain", "width", "colour"), suffixes=(".txt",)
)
ASSESSMENT.register("json", "opsadvisor.render.json_report:render", suffixes=(".json",))
ASSESSMENT.register("markdown", "opsadvisor.render.markdown:render", options=("explain",), suffixes=(".md",))

# (path, ReportContext) -> Writer; the format is the extension of `batch --out`
BATCH: Registry[Callable[[Path, ReportContext], Writer]] = Registry("batch")
BATCH.register(".jsonl", "opsadvisor.batch.outputs.jsonl:JsonLinesWriter", suffixes=(".jsonl",))
BATCH.register(
    ".summary.jsonl", "opsadvisor.batch.outputs.summary_lines:SummaryLinesWriter", suffixes=(".summary.jsonl",)
)
BATCH.register(".json", "opsadvisor.batch.outputs.json_report:JsonWriter", suffixes=(".json",))
BATCH.register(".csv", "opsadvisor.batch.outputs.csv_report:CsvWriter", suffixes=(".csv",))
BATCH.register(".xlsx", "opsadvisor.batch.outputs.xlsx:XlsxWriter", suffixes=(".xlsx",))
BATCH.register(".md", "opsadvisor.batch.outputs.md:MarkdownWriter", suffixes=(".md",))
BATCH.register(".html", "opsadvisor.batch.outputs.html_report:HtmlWriter", suffixes=(".html",))

WORKSHOP: Registry[Callable[..., str]] = Registry("workshop")  # (WorkshopPack) -> str
WORKSHOP.register("markdown", "opsadvisor.dialogue.render_markdown:render", suffixes=(".md",))
WORKSHOP.register("html", "opsadvisor.dialogue.render_html:render", suffixes=(".html", ".htm"))

DIFF: Registry[Callable[..., str]] = Registry("diff")  # (DiffReport) -> str
DIFF.register("table", "opsadvisor.render.diff:render_table")
DIFF.register("json", "opsadvisor.render.diff:render_json")
DIFF.register("markdown", "opsadvisor.render.diff:render_markdown")

EXPLAIN: Registry[Callable[..., str]] = Registry("explain")  # (Explanation) -> str
EXPLAIN.register("text", "opsadvisor.authoring.explain:Explanation.render_text")
EXPLAIN.register("json", "opsadvisor.authoring.explain:Explanation.render_json")

RULE_TESTS: Registry[Callable[..., str]] = Registry("rules test")  # (RuleTestRun, [coverage: bool]) -> str
RULE_TESTS.register("text", "opsadvisor.authoring.ruletest:RuleTestRun.render_text", options=("coverage",))
RULE_TESTS.register("junit", "opsadvisor.authoring.ruletest:RuleTestRun.render_junit")

RULES_CHECK: Registry[Callable[..., str]] = Registry("rules check")  # (CheckReport) -> str
RULES_CHECK.register("text", "opsadvisor.authoring.check:CheckReport.render_text")
RULES_CHECK.register("json", "opsadvisor.authoring.check:CheckReport.render_json")

RULES_LIST: Registry[Callable[..., str]] = Registry("rules list")  # (Catalogue) -> str
RULES_LIST.register("text", "opsadvisor.authoring.catalogue:Catalogue.render_text")
RULES_LIST.register("json", "opsadvisor.authoring.catalogue:Catalogue.render_json")

RECORDS_DIFF: Registry[Callable[..., str]] = Registry("records diff")  # (PeriodDiff) -> str
RECORDS_DIFF.register("table", "opsadvisor.records.periods:render_table")
RECORDS_DIFF.register("json", "opsadvisor.records.periods:render_json")
RECORDS_DIFF.register("markdown", "opsadvisor.records.periods:render_markdown")

REGISTRIES = (ASSESSMENT, BATCH, WORKSHOP, DIFF, EXPLAIN, RULE_TESTS, RULES_CHECK, RULES_LIST, RECORDS_DIFF)


def all_formats() -> list[tuple[str, str]]:
    """Every (target, format) pair, in registration order: for the docs and the test matrices."""
    return [(registry.target, name) for registry in REGISTRIES for name in registry.names]
