"""The workbench's pages and actions, over the Python API (no rule or report logic of its own).

Every page reads the scenario file afresh, once (its version and what it shows come from the same
bytes), so a file edited on disk meanwhile is what the page shows; every change goes through
`api.decide`, `api.accept`, `api.mitigate` or the interview (forms.finished) and is refused (409, the current file
shown) when the file changed since the page was made: its version, a digest of the bytes, travels with
each form as `version` and is the pages' ETag. The check and the write run under the file's advisory
lock (files.locked), the one `opsadvisor decide`/`accept` and another workbench over the same folder
take, so no one's change is written over unseen. An action on a file deleted or broken on disk since
its page was loaded answers 409 with the file's problem, where the user is looking. The handlers are
`async` and call the API directly (the durable_rules engine is not shared between threads); a write waits
for the lock in the event loop, which its other holders keep for milliseconds.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import api, clock, kinds, scenario_formats
from ..assessment import Assessment
from ..batch import report_context
from ..batch.runner import INVALID, Outcome
from ..contract import PERFORMED_BY, Choice, MapOf, Record
from ..dialogue.interview import preview, scenario_text
from ..dialogue.record import StaleVersion, describe_acceptance, describe_decision, describe_mitigation
from ..errors import OpsAdvisorError, ScenarioError
from ..files import atomic_create, atomic_write, locked
from ..formats import WORKSHOP
from ..kinds import FindingCount
from ..kinds.recommend import model_said
from ..kinds.risk import policy_note
from ..scenario import get_path
from ..text import count, id_words, party, performer
from . import forms
from .guard import LOCAL_HOSTS, Disconnects, SecurityHeaders, SizeLimit
from .workspace import OutsideWorkspace, RefusedName, Workspace, proposed_name, writable_name

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
FIRST_PREVIEW = "The recommendation shows here from your first answer."
PARTIAL_HEADER = "x-partial"  # sent by workbench.js: answer with the part of the page it replaces
VERSION_FIELD = "version"
SHOWN = 200  # rows a list page shows at most; the filters narrow it down
STALE = (
    "The file changed since this page was loaded (in another tab, by someone else or on disk): "
    "nothing was saved. This is the current version; make your change again if it still applies."
)
BROKEN = (
    "The file changed on disk since this page was loaded and cannot be used now: nothing was saved. "
    "Its problem is below; fix or restore the file, then reload the page."
)


ACCEPT_CONTROLS = ("role", "name", "date", "review_by")  # the acceptance form's, as api.accept names them
MITIGATE_CONTROLS = ("action", "owner", "due")  # the mitigation form's, as api.mitigate names them
# What a problem of api.accept mentions, and the control it is about: the first mention found says which
_MENTIONS = (
    ("--review-by", "review_by"),
    ("review_by", "review_by"),
    ("review date", "review_by"),
    ("review by", "review_by"),
    ("--date", "date"),
    ("--name", "name"),
    ("--role", "role"),
    ("may not accept", "role"),
    ("role", "role"),
    ("date", "date"),
    ("name", "name"),
)
_OPTION_WORDS = {"--review-by": "review by", "--date": "date", "--name": "name", "--role": "role"}
_LABEL = re.compile(r"^(?:--[a-z-]+|[A-Z_]+): ")


def accept_errors(problems: list[str]) -> dict[str, str]:
    """Each problem of a refused acceptance, in words, under the control it is about (ACCEPT_CONTROLS), or
    "form" (shown beside the button) when it names none: "--date: expected a date" is the date's."""
    errors: dict[str, str] = {}
    for problem in problems:
        lowered = problem.lower()
        mentioned = [(lowered.find(words), control) for words, control in _MENTIONS if words in lowered]
        control = min(mentioned)[1] if mentioned else "form"
        said = _LABEL.sub("", problem)
        for option, words in _OPTION_WORDS.items():
            said = said.replace(option, words)
        errors[control] = f"{errors[control]}; {said}" if control in errors else said
    return errors


SORT_WORDS = {"location": "file", "name": "service", "model": "model"}


def _header(key: str) -> str:
    """A kind's count column as the list heads it ("risks to accept")."""
    return next(column.header for _, column in kinds.finding_counts() if column.key == key)


def _keep(
    context: dict[str, Any], risk: str, form: str, values: dict[str, str], errors: dict[str, str], problems: list[str]
) -> None:
    """A refused acceptance or mitigation, kept for its risk's form (`form`: which) to show, with what was
    typed and each error at its control; at the board's top when the board shows no such risk."""
    assessment = context["assessment"]
    if assessment is None or all(item.id != risk for item in assessment.risks):
        context["problems"] = problems
        return
    context["refused"] = {"risk": risk, "form": form, "values": values, "errors": errors}


def sorts() -> tuple[str, ...]:
    """What the scenario list sorts by: the file, name and model, and each kind's count of findings."""
    return ("location", "name", "model", *(column.key for _, column in kinds.finding_counts()))


class SafeJSON(JSONResponse):
    """JSON with `<`, `>` and `&` written as \\u escapes: no answer holds markup, whatever was typed."""

    def render(self, content: Any) -> bytes:
        body = super().render(content)
        return body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")


def partial(request: Request) -> bool:
    """Whether the page's script asked for a part of a page (else a browser without it: a whole page)."""
    return PARTIAL_HEADER in request.headers


@dataclass(frozen=True)
class Row:
    """A scenario in the list: what its batch outcome says. `counts` holds the findings of each kind that
    counts them (kinds.finding_counts: conflicts, risks to accept, open decisions), with its column."""

    location: str
    service_id: str
    name: str
    model: str
    mode: str
    counts: tuple[tuple[FindingCount, int], ...]
    findings: int
    error: str

    @classmethod
    def of(cls, outcome: Outcome) -> Row:
        ok = outcome.status != INVALID
        counts = tuple(
            (column, kind.findings(outcome.outline(kind)) if ok else 0) for kind, column in kinds.finding_counts()
        )
        if not ok:
            return cls(
                outcome.location,
                outcome.service_id or "",
                outcome.service_name or "",
                "",
                "",
                counts,
                0,
                outcome.error or "",
            )
        model, mode, suggested, effectively = outcome.outlines["recommendation"]
        return cls(
            outcome.location,
            outcome.service_id or "",
            outcome.service_name or "",
            model_said(model, suggested, effectively),
            "" if mode is None else str(mode),
            counts,
            outcome.findings,
            "",
        )

    def matches(self, words: str) -> bool:
        text = f"{self.location} {self.service_id} {self.name} {self.error}".lower()
        return all(word in text for word in words.lower().split())

    def sort_key(self, key: str) -> tuple[Any, ...]:
        """Most findings first for a kind's count; else in text order."""
        count = next((count for column, count in self.counts if column.key == key), None)
        return (getattr(self, key) if count is None else -count, self.location)


class Workbench:
    """The application's state: the workspace, the compiled rule pack, the templates and the CSRF token."""

    def __init__(self, folder: Path, pack: api.RulePack, records: Any = None) -> None:
        self.workspace = Workspace(folder, pack, records)
        self.pack = pack
        self.records = records  # an EvidenceBook (serve --records): each service's drift, shown with its report
        self.assessor = api.assessor_for(pack)
        self.rule_ids = sorted(rule.id for rule in pack.rules)  # the Why (not)? field's suggestions
        self.words = report_context(pack)  # how the portfolio reports name ids in words
        self.token = secrets.token_urlsafe(32)  # per server run: a page of another site cannot read it
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("opsadvisor.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["party"] = party
        self.templates.filters["performer"] = performer
        self.templates.filters["url"] = lambda value: quote(str(value), safe="/")
        self.templates.filters["counted"] = count
        self.templates.filters["words"] = id_words

    # --- responses ----------------------------------------------------------------------------

    def page(
        self, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> HTMLResponse:
        html = self.templates.get_template(template).render(csrf=self.token, folder=self.workspace.root.name, **context)
        return HTMLResponse(html, status_code=status, headers=headers)

    def scenario_page(self, template: str, context: dict[str, Any], status: int | None = None) -> HTMLResponse:
        """A page about one scenario file, tagged with its version (422 when the file is invalid)."""
        if status is None:
            status = 422 if context["error"] else 200
        return self.page(template, status=status, headers={"ETag": f'"{context["version"]}"'}, **context)

    async def form(self, request: Request) -> FormData:
        """The posted form, once its CSRF token (form field or header) is the server's; else 403."""
        form = await request.form()
        given = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")
        return form

    def scenario(self, request: Request) -> tuple[str, Path]:
        """The scenario file a page shows; 404 when there is none."""
        name = request.path_params["name"]
        try:
            return name, self.workspace.existing(name)
        except OutsideWorkspace:
            raise HTTPException(404, f"no scenario {name} in the workspace") from None

    def target(self, request: Request) -> tuple[str, Path]:
        """The scenario file an action of a loaded page names, there or not: an action on a file deleted or
        broken since the page was made answers 409 with the file's problem. 404 for a name no file has."""
        name = request.path_params["name"]
        try:
            return name, self.workspace.resolve(name)
        except OutsideWorkspace:
            raise HTTPException(404, f"no scenario {name} in the workspace") from None

    # --- the scenario list, the portfolio and the rules ---------------------------------------------

    async def scenarios(self, request: Request) -> Response:
        words = request.query_params.get("q", "")
        sort = request.query_params.get("sort", "location")
        sort = sort if sort in sorts() else "location"
        rows = [Row.of(outcome) for outcome in self.workspace.listing().outcomes]
        shown = sorted((row for row in rows if row.matches(words)), key=lambda row: row.sort_key(sort))
        return self.page(
            "scenarios.html.j2",
            rows=shown[:SHOWN],
            matching=len(shown),
            total=len(rows),
            invalid=[row for row in shown if row.error],
            q=words,
            sort=sort,
            sorts=[(key, SORT_WORDS.get(key) or _header(key)) for key in sorts()],
            columns=[column for _, column in kinds.finding_counts()],
            patterns=scenario_formats.patterns(),
        )

    async def portfolio(self, request: Request) -> Response:
        model = request.query_params.get("model", "")
        findings = request.query_params.get("findings") == "1"
        listing = self.workspace.listing()
        rows = [Row.of(outcome) for outcome in listing.outcomes]
        chosen = [row for row in rows if not row.error and model in ("", row.model) and (row.findings or not findings)]
        chosen.sort(key=lambda row: (-row.findings, row.location))
        names = {process.id: process.name for process in self.pack.processes}
        return self.page(
            "portfolio.html.j2",
            tables=[self._in_words(table) for table in listing.summary.tables(names)],
            rows=chosen[:SHOWN],
            matching=len(chosen),
            models=sorted({row.model for row in rows if not row.error}),
            model=model,
            findings=findings,
            columns=[column for _, column in kinds.finding_counts()],
        )

    def _in_words(self, table: tuple[str, list[str], list[Any]]) -> tuple[str, list[str], list[Any]]:
        """A summary table of the portfolio with its conflict kinds and risks in words, as the batch's HTML
        report names them (ReportContext): "ambition risk", the title of the rule that raises a risk."""
        title, headers, rows = table
        for column, said in (("kind", self.words.kind_label), ("risk", self.words.risk_label)):
            if column in headers:
                at = headers.index(column)
                rows = [(*row[:at], said(row[at]) if row[at] != "total" else row[at], *row[at + 1 :]) for row in rows]
        return title, headers, rows

    async def rules(self, request: Request) -> Response:
        words = request.query_params.get("q", "").lower()
        catalogue = api.list_rules(self.pack)
        entries = [
            entry
            for entry in catalogue.rules
            if all(w in f"{entry.id} {entry.title} {entry.source}".lower() for w in words.split())
        ]
        return self.page("rules.html.j2", catalogue=catalogue, entries=entries, q=words)

    async def rule(self, request: Request) -> Response:
        rule_id = request.path_params["rule"]
        try:
            text = api.show_rule(rule_id, self.pack)
        except OpsAdvisorError as error:
            raise HTTPException(404, error.render()) from None
        return self.page("rule.html.j2", rule_id=rule_id, text=text)

    # --- one service: the report, explain, the workshop ---------------------------------------------

    def _report(self, name: str, path: Path) -> dict[str, Any]:
        snapshot = self.workspace.snapshot(name, path)
        assessment: Assessment | None = None
        error = snapshot.problem
        if snapshot.document is not None:
            try:
                scenario = self.assessor.parse(snapshot.document, name)
                if self.records is not None:
                    scenario = self.records.attach(scenario)
                assessment = self.assessor.assess_scenario(scenario)
            except ScenarioError as problem:
                error = problem.render()
        sections = []
        if assessment is not None:
            sections = [
                section
                for kind in kinds.parts()
                if kind.part not in ("conflicts", "risks", "accountability")  # shown as cards, with their forms
                for section in kind.sections(assessment.parts[kind.part], assessment)
            ]
        return {
            "name": name,
            "assessment": assessment,
            "error": error,
            "sections": sections,
            "risk_note": policy_note(assessment.risks, assessment) if assessment is not None else "",
            "version": snapshot.version,
            "rule_ids": self.rule_ids,
        }

    async def service(self, request: Request) -> Response:
        name, path = self.scenario(request)
        context = self._report(name, path)
        if context["assessment"] is not None:
            context["headline"] = [
                line
                for kind in kinds.parts()
                for line in kind.headline(context["assessment"].parts[kind.part], context["assessment"])
            ]
        return self.scenario_page("service.html.j2", context)

    async def explain(self, request: Request) -> Response:
        name, path = self.target(request)
        rule_id = request.query_params.get("rule", "").strip()
        snapshot = self.workspace.snapshot(name, path)
        try:
            if snapshot.document is None:
                raise ScenarioError("", snapshot.problem.splitlines())
            explanation = api.explain(snapshot.document, [rule_id], self.pack, source=name)
        except ScenarioError as error:  # the page's file was valid: it changed on disk since
            return self._explained(request, name, 409, None, [BROKEN, *error.lines()])
        except OpsAdvisorError as error:
            return self._explained(request, name, 422, None, error.problems)
        return self._explained(request, name, 200, explanation.rules[0], [])

    def _explained(self, request: Request, name: str, status: int, rule: Any, problems: list[str]) -> Response:
        """The explanation, in the report (to its script) or as a page of its own (a browser without it)."""
        template = "explain.html.j2" if partial(request) else "explain_page.html.j2"
        return self.page(template, status=status, name=name, rule=rule, problems=problems)

    def _board(self, name: str, path: Path, **extra: Any) -> dict[str, Any]:
        context = self._report(name, path)
        decisions = self.assessor.spec.fields["decisions"]
        assert isinstance(decisions, MapOf) and isinstance(decisions.value, Record)  # the contract's id -> cells
        cells = decisions.value.fields
        assessment = context["assessment"]
        recommendation = assessment.recommendation if assessment else None
        context.update(
            # each of these cells is a choice (contract._decision_spec)
            choices={
                key: node.values
                for key in ("application", "interface", PERFORMED_BY)
                if isinstance(node := cells[key], Choice)
            },
            acceptors={risk.id: self._acceptors(risk) for risk in assessment.risks} if assessment else {},
            model_said=model_said(recommendation.model, recommendation.suggestion, recommendation.effectively)
            if recommendation
            else "",
            today=clock.today().isoformat(),
            notice="",
            problems=[],
            panel=None,
            panel_problems=[],
            refused=None,
        )
        context.update(extra)
        return context

    def _acceptors(self, risk: Any) -> list[tuple[str, str]]:
        """The roles a risk names to accept it (its rule's accept_by), as the acceptance form offers them."""
        rule = self.pack.rule(risk.rule)
        named = next((p.accept_by for p in rule.of_kind("risk") if p.id == risk.id), ()) if rule else ()
        return [(role_id, self.pack.roles[role_id].name) for role_id in named if role_id in self.pack.roles]

    async def workshop(self, request: Request) -> Response:
        name, path = self.scenario(request)
        return self.scenario_page("workshop.html.j2", self._board(name, path))

    async def cell(self, request: Request) -> Response:
        """The decision form of one process (the cell clicked in the matrix)."""
        name, path = self.target(request)
        context = self._board(name, path)
        assessment = context["assessment"]
        process = request.query_params.get("process", "")
        if assessment is None:
            return self.page("problem.html.j2", status=409, notice=BROKEN, error=context["error"])
        if process not in assessment.process_names:
            raise HTTPException(404, f"no process {process}")
        row = next(row for row in assessment.accountability if row.process == process)
        if not partial(request):  # a browser without the script: the board with the decision form open
            context["panel"] = row
            return self.scenario_page("workshop.html.j2", context)
        return self.page("cell.html.j2", row=row, **context)

    async def _change(
        self,
        request: Request,
        change: Callable[[Path, FormData, str], list[str]],
        refusal: Callable[[dict[str, Any], FormData, list[str]], None],
    ) -> Response:
        """Apply a decision or an acceptance, which the API refuses under the file's lock unless the file is
        still the page's version; answer with the board. A refusal is shown by `refusal` where the form
        that caused it is, with what was chosen and typed kept."""
        name, path = self.target(request)
        form = await self.form(request)
        try:
            lines = change(path, form, str(form.get(VERSION_FIELD, "")))
        except (StaleVersion, ScenarioError):  # the page's file was valid: it changed (or broke) since
            return self._answer(request, name, path, 409, notice=STALE)
        except OpsAdvisorError as error:
            context = self._board(name, path)
            refusal(context, form, error.problems)
            return self._answered(request, context, 422)
        notice = "\n".join(line.replace(str(path), name) for line in lines)
        return self._answer(request, name, path, 200, notice=notice)

    def _answer(self, request: Request, name: str, path: Path, status: int, **extra: Any) -> Response:
        if not partial(request) and status == 200:
            return RedirectResponse(f"/s/{quote(name)}/workshop", status_code=303)
        context = self._board(name, path, **extra)
        if context["assessment"] is None and status == 409:  # not just changed: deleted, or no scenario now
            context["notice"] = BROKEN
        return self._answered(request, context, status)

    def _answered(self, request: Request, context: dict[str, Any], status: int) -> Response:
        template = "board.html.j2" if partial(request) else "workshop.html.j2"
        return self.scenario_page(template, context, status)

    async def decide(self, request: Request) -> Response:
        def change(path: Path, form: FormData, version: str) -> list[str]:
            process = str(form.get("process", ""))
            given = {key: str(form.get(key, "")) or None for key in ("application", "interface", PERFORMED_BY)}
            recorded = api.decide(
                path,
                process,
                given["application"] or "",
                given["interface"],
                given[PERFORMED_BY],
                rules=self.pack,
                version=version,
            )
            return describe_decision(recorded, process)

        def refusal(context: dict[str, Any], form: FormData, problems: list[str]) -> None:
            """The decision form stays open, saying why."""
            assessment, process = context["assessment"], str(form.get("process", ""))
            rows = [row for row in assessment.accountability if row.process == process] if assessment else []
            if rows:
                context.update(panel=rows[0], panel_problems=problems)
            else:
                context["problems"] = problems

        return await self._change(request, change, refusal)

    async def accept(self, request: Request) -> Response:
        def change(path: Path, form: FormData, version: str) -> list[str]:
            risk = str(form.get("risk", ""))
            values = {key: str(form.get(key, "")).strip() for key in ("role", "name", "date", "review_by")}
            recorded = api.accept(
                path,
                risk,
                values["role"],
                values["name"],
                values["date"] or None,
                values["review_by"] or None,
                rules=self.pack,
                version=version,
            )
            return describe_acceptance(recorded, risk)

        def refusal(context: dict[str, Any], form: FormData, problems: list[str]) -> None:
            """The risk's form keeps what was chosen and typed, each problem next to its control."""
            values = {key: str(form.get(key, "")) for key in ACCEPT_CONTROLS}
            errors = accept_errors(problems)
            _keep(context, str(form.get("risk", "")), "accept", values, errors, problems)

        return await self._change(request, change, refusal)

    async def mitigate(self, request: Request) -> Response:
        def change(path: Path, form: FormData, version: str) -> list[str]:
            risk = str(form.get("risk", ""))
            values = {key: str(form.get(key, "")).strip() for key in ("action", "owner", "due")}
            recorded = api.mitigate(
                path, risk, values["action"], values["owner"], values["due"], rules=self.pack, version=version
            )
            return describe_mitigation(recorded, risk)

        def refusal(context: dict[str, Any], form: FormData, problems: list[str]) -> None:
            """The risk's mitigation form keeps what was typed, saying why next to its button."""
            values = {key: str(form.get(key, "")) for key in MITIGATE_CONTROLS}
            said = {"form": "; ".join(_LABEL.sub("", problem) for problem in problems)}
            _keep(context, str(form.get("risk", "")), "mitigate", values, said, problems)

        return await self._change(request, change, refusal)

    async def pack_export(self, request: Request) -> Response:
        name, path = self.scenario(request)
        output_format = request.path_params["format"]
        if output_format not in WORKSHOP.names:
            raise HTTPException(404, f"no workshop pack format {output_format}")
        try:
            text = api.workshop(path, rules=self.pack, output_format=output_format, source=name, records=self.records)
        except OpsAdvisorError as error:
            raise HTTPException(422, error.render().replace(str(path), name)) from None
        suffix = WORKSHOP.format(output_format).suffixes[0]
        media = "text/html" if suffix.startswith(".htm") else "text/markdown"
        filename = f"workshop-{Path(name).stem}{suffix}"
        return Response(
            text,
            media_type=f"{media}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{quote(filename)}"'},
        )

    # --- the interview as a form ----------------------------------------------------------------------

    async def new(self, request: Request) -> Response:
        fields = forms.form_fields(self.assessor, {})
        return self.page(
            "edit.html.j2",
            name=None,
            fields=fields,
            version="",
            file="",
            preview_line=FIRST_PREVIEW,
            notice="",
            problems=[],
        )

    async def edit(self, request: Request) -> Response:
        name, path = self.scenario(request)
        snapshot = self.workspace.snapshot(name, path)
        try:
            if snapshot.document is None:
                raise HTTPException(422, snapshot.problem)
            self.assessor.parse(snapshot.document, name)
        except ScenarioError as error:
            raise HTTPException(422, error.render()) from None
        return self._form_page(name, snapshot.document, snapshot.version, 200)

    def _form_page(
        self, name: str | None, document: dict[str, Any], version: str, status: int, **extra: Any
    ) -> Response:
        fields = forms.form_fields(self.assessor, document, extra.pop("typed", None), extra.pop("answers", None))
        context = {"file": "", "notice": "", "problems": [], "preview_line": self._preview(document), **extra}
        return self.page("edit.html.j2", status=status, name=name, fields=fields, version=version, **context)

    def _preview(self, document: dict[str, Any]) -> str:
        """The recommendation the answers make so far, before the service's id and name are known too."""
        try:
            return preview(self.assessor.assess_document(forms.previewable(document), "the form"))
        except ScenarioError:
            return "Some answers are not accepted: see the messages next to them."

    async def form_preview(self, request: Request) -> Response:
        """What the answers typed so far make (workbench.js asks at every change): the preview line, each
        question's error (none yet for a required one left empty: saving says so) and whether it applies to
        these answers, and the file name proposed from the service's id."""
        form = await self.form(request)
        typed = {key: str(value) for key, value in form.items()}
        answers = forms.read_answers(typed, self.assessor, required=False)
        fields = forms.form_fields(self.assessor, answers.document, typed, answers)
        service_id = get_path(answers.document, "service.id")
        return SafeJSON(
            {
                "preview": self._preview(answers.document),
                "fields": {field.path: {"error": field.error, "applies": field.applies} for field in fields},
                "file": proposed_name(service_id) if isinstance(service_id, str) else "",
            }
        )

    async def save(self, request: Request) -> Response:
        """Write the form's scenario: a new file, or (with a name in the path) the edited one."""
        form = await self.form(request)
        typed = {key: str(value) for key, value in form.items()}
        if "name" not in request.path_params:
            return self._create(typed)
        name, path = self.target(request)
        with locked(path):  # decide and accept take it too: the version check and the write are one step
            return self._replace(name, path, typed)

    def _create(self, typed: dict[str, str]) -> Response:
        """Write a new file, named as typed, or after the service's id when no name is given."""
        if not typed.get("file", "").strip():
            typed = {**typed, "file": proposed_name(typed.get("service.id", ""))}
        if not typed["file"]:
            return self._refused(typed, None, ["Answer the service's id (or give a file name) to save the scenario."])
        name = writable_name(typed["file"])
        try:
            path = self.workspace.new_file(name)
        except RefusedName as refusal:
            return self._refused(typed, None, [str(refusal)])
        return self._written(typed, None, name, path, None, atomic_create)  # another's new file is never replaced

    def _replace(self, name: str, path: Path, typed: dict[str, str]) -> Response:
        """Write the edited file when it is still the version the form was made from; else 409, showing the
        current version, or the typed answers and why the file cannot be used now."""
        snapshot = self.workspace.snapshot(name, path)
        if not snapshot.version or snapshot.version != typed.get(VERSION_FIELD, ""):
            problem = snapshot.problem
            if snapshot.document is not None:
                try:
                    self.assessor.parse(snapshot.document, name)
                    return self._form_page(name, snapshot.document, snapshot.version, 409, notice=STALE)
                except ScenarioError as error:
                    problem = error.render()
            return self._refused(typed, name, [BROKEN, *problem.splitlines()], status=409)
        return self._written(typed, name, name, path, snapshot.document, atomic_write)

    def _written(
        self,
        typed: dict[str, str],
        edited: str | None,
        name: str,
        path: Path,
        start: dict[str, Any] | None,
        write: Callable[[Path, bytes], None],
    ) -> Response:
        """Write the answers (on top of `start`, the edited file's document) to `path`, and show the service."""
        answers = forms.read_answers(typed, self.assessor, start)
        if answers.errors:
            return self._refused(typed, edited, ["Some answers were not accepted: see below."], answers)
        try:
            document = forms.finished(answers.document, self.assessor)
            _, editor = scenario_formats.writable(name)  # the file keeps its format, when that format can be written
            write(path, scenario_text(document, self.assessor.spec, editor).encode("utf-8"))
        except OpsAdvisorError as error:
            return self._refused(typed, edited, [line.replace(str(path), name) for line in error.lines()])
        return RedirectResponse(f"/s/{quote(self.workspace.name_of(path))}", status_code=303)

    def _refused(
        self,
        typed: dict[str, str],
        name: str | None,
        problems: list[str],
        answers: forms.Answers | None = None,
        status: int = 422,
    ) -> Response:
        """The form again with what was typed, and why it was not written."""
        answers = answers or forms.read_answers(typed, self.assessor)
        return self._form_page(
            name,
            answers.document,
            typed.get(VERSION_FIELD, ""),
            status,
            typed=typed,
            answers=answers,
            problems=problems,
            file=typed.get("file", ""),
        )


async def _error_page(request: Request, exc: Exception) -> Response:
    """A refusal as a page, or (to a click of a loaded page) as the problem shown where the answer goes."""
    assert isinstance(exc, HTTPException)
    bench: Workbench = request.app.state.bench
    if partial(request):
        return bench.page("problem.html.j2", status=exc.status_code, notice=exc.detail, error="")
    return bench.page("error.html.j2", status=exc.status_code, message=exc.detail)


async def _crash_page(request: Request, exc: Exception) -> Response:
    """A fault of the workbench itself (logged with its traceback): said, not a blank answer."""
    bench: Workbench = request.app.state.bench
    message = "The workbench failed on this request (its log says why). Reload the page to see the file as it is now."
    if partial(request):
        return bench.page("problem.html.j2", status=500, notice=message, error="")
    return bench.page("error.html.j2", status=500, message=message)


def create_app(
    folder: str | Path, pack: api.RulePack | None = None, hosts: tuple[str, ...] = LOCAL_HOSTS, records: Any = None
) -> Starlette:
    """The workbench over a folder of scenario files; `hosts`: the host names the browser may use;
    `records`: an EvidenceBook whose evidence each service is assessed with (its drifts shown)."""
    bench = Workbench(Path(folder), pack if pack is not None else api.rule_pack(), records)
    static = StaticFiles(packages=[("opsadvisor.web", "static")])
    routes = [
        Route("/", bench.scenarios),
        Route("/portfolio", bench.portfolio),
        Route("/rules", bench.rules),
        Route("/rules/{rule}", bench.rule),
        Route("/new", bench.new),
        Route("/new", bench.save, methods=["POST"]),
        Route("/preview", bench.form_preview, methods=["POST"]),
        Route("/edit/{name:path}", bench.edit),
        Route("/edit/{name:path}", bench.save, methods=["POST"]),
        Route("/s/{name:path}/workshop", bench.workshop),
        Route("/s/{name:path}/cell", bench.cell),
        Route("/s/{name:path}/explain", bench.explain),
        Route("/s/{name:path}/decide", bench.decide, methods=["POST"]),
        Route("/s/{name:path}/accept", bench.accept, methods=["POST"]),
        Route("/s/{name:path}/mitigate", bench.mitigate, methods=["POST"]),
        Route("/s/{name:path}/pack.{format}", bench.pack_export),
        Route("/s/{name:path}", bench.service),
        Mount("/static", static, name="static"),
    ]
    middleware = [
        Middleware(Disconnects),
        Middleware(SecurityHeaders),
        Middleware(SizeLimit),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts)),
    ]
    handlers = {HTTPException: _error_page, Exception: _crash_page}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.bench = bench
    return app
