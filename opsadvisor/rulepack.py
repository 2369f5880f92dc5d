"""Rule-pack stage: read rule files (YAML data, never code) into a validated, typed RulePack.

A pack is one or more layers (directories or files). Files in a layer load in name order; a later
layer replaces a rule with the same id, can disable rules by id, and can add processes, model
cells, questions and conflict kinds. Every problem is reported as file:line with what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .contract import (
    COLUMNS,
    FACTS,
    INTERFACE_CELLS,
    MODELS,
    MODES,
    SERVICE_PLACEHOLDERS,
    SEVERITIES,
    FactSpec,
)
from .errors import RulesError, did_you_mean
from .yamlload import LineDict, LineList, YamlProblem, load_yaml_bytes

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
PROCESS_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
MAX_PRIORITY = 1000
DEFAULT_PRIORITY = 100
FILE_KEYS = ("rules", "disable", "processes", "models", "questions", "conflict_kinds", "workshop")
RULE_KEYS = ("id", "title", "rationale", "source", "priority", "when", "then")
CONCLUSION_KINDS = (
    "recommend",
    "mode",
    "derive",
    "accountability",
    "conflict",
    "governance",
    "risk",
    "next_step",
)
# Which tests apply to which kind of fact; "derived" is any fact a rule derives.
TESTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "choice": ("equals", "in", "not", "not_in", "exists"),
    "ordered": ("equals", "in", "not", "not_in", "at_least", "at_most", "exists"),
    "flag": ("equals", "exists"),
    "number": ("equals", "not", "gt", "gte", "lt", "lte", "exists"),
    "set": ("contains", "contains_any", "contains_all", "lacks", "empty", "exists"),
    "derived": ("equals", "in", "exists"),
}
GROUP_KEYS = ("any", "all")


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Condition:
    """One test on one fact, e.g. criticality at_least high."""

    fact: str
    test: str
    operand: Any
    location: Location
    derived: bool = False

    def describe(self) -> str:
        operand = self.operand
        if isinstance(operand, (list, tuple)):
            operand = "[" + ", ".join(str(item) for item in operand) + "]"
        elif isinstance(operand, bool):
            operand = str(operand).lower()
        return f"{self.fact} {self.test} {operand}"


@dataclass(frozen=True)
class Group:
    """Conditions that must all hold ("all") or of which one must hold ("any")."""

    mode: str
    items: tuple[Condition | Group, ...]

    def conditions(self) -> Iterable[Condition]:
        for item in self.items:
            if isinstance(item, Group):
                yield from item.conditions()
            else:
                yield item


@dataclass(frozen=True)
class Conclusion:
    kind: str
    data: dict[str, Any]
    location: Location

    def describe(self) -> str:
        """One line for the trace and the rule catalogue, e.g. 'conflict contract_ownership (high)'."""
        data = self.data
        if self.kind == "recommend":
            return f"{'suggest' if data['suggestion'] else 'recommend'} model {data['model']}"
        if self.kind == "mode":
            return f"mode {data['mode']}"
        if self.kind == "derive":
            return "derive " + ", ".join(f"{name} = {json.dumps(value)}" for name, value in data.items())
        if self.kind == "accountability":
            return f"accountability {data['process']} {data['column']} = {data['party']}"
        if self.kind == "conflict":
            return f"conflict {data['kind']} ({data['severity']})"
        if self.kind == "governance":
            return f"governance area {data['process']}"
        if self.kind == "risk":
            return f"risk {data['id']}"
        return "next step"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    rationale: str
    priority: int
    when: Group
    then: tuple[Conclusion, ...]
    location: Location
    source: str = ""
    overrides: Location | None = None

    @cached_property
    def concluded(self) -> tuple[str, ...]:
        """What the rule concludes, one line each (computed once: the trace shows it per firing)."""
        return tuple(conclusion.describe() for conclusion in self.then)

    @cached_property
    def facts_tested(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(condition.fact for condition in self.when.conditions()))


@dataclass(frozen=True)
class Process:
    id: str
    name: str
    location: Location = field(default=Location("", 0), compare=False)


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    ambition: str
    mode: int
    cells: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class RulePack:
    rules: tuple[Rule, ...]
    processes: tuple[Process, ...]
    models: dict[str, Model]
    questions: dict[str, str]
    conflict_kinds: dict[str, str]
    files: tuple[str, ...]
    version: str
    disabled: dict[str, Location] = field(default_factory=dict)
    # The Support Model Design Workshop: discussion questions by process id, and the rules that
    # decide whom to invite (run for the workshop pack only, so they stay out of assessments).
    workshop_questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    workshop_rules: tuple[Rule, ...] = ()
    # What is built from this pack once (durable_rules rulesets and matchers), freed with the pack.
    # Not an init field, so dataclasses.replace() gives the new pack an empty cache of its own.
    compiled: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def process_ids(self) -> tuple[str, ...]:
        return tuple(process.id for process in self.processes)

    @property
    def derived_facts(self) -> tuple[str, ...]:
        return derived_names(self.rules)

    @property
    def risk_ids(self) -> tuple[str, ...]:
        return tuple(sorted({c.data["id"] for rule in self.rules for c in rule.then if c.kind == "risk"}))

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


def derived_names(rules: Iterable[Rule]) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                name
                for rule in rules
                for conclusion in rule.then
                if conclusion.kind == "derive"
                for name in conclusion.data
            }
        )
    )


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def shown(value: Any) -> str:
    """A rule-file value as an author wrote it in YAML: 'text', 3, true, nothing, [a, b]."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {shown(item)}" for key, item in value.items()) + "}"
    return str(value)


# --- reading files -----------------------------------------------------------------------------


@dataclass
class _Layer:
    label: str
    files: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the pack: where (file:line, or a layer label) and what."""

    location: Location | str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, location: Location | str, message: str) -> None:
        self.items.append(Problem(location, message))


def default_rules_dir() -> Path:
    """The bundled pack: inside the installed package, or `rules/` beside it in a checkout."""
    package = Path(__file__).parent
    installed = package / "rules"
    return installed if installed.is_dir() else package.parent / "rules"


def _read_layer(path: Path, label: str, problems: _Problems) -> _Layer:
    if path.is_file():
        return _Layer(label, [(label, path.read_bytes())])
    if not path.is_dir():
        problems.add(label, "no such rule directory or file")
        return _Layer(label, [])
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        problems.add(label, "holds no rule files (*.yaml)")
    return _Layer(label, [(f"{label}/{p.name}", p.read_bytes()) for p in files])


def load_pack(extra: Iterable[str | Path] = (), include_default: bool = True) -> RulePack:
    """Load the default pack (unless excluded) with extra layers on top, or raise RulesError."""
    pack, problems = load_pack_with_problems(extra, include_default)
    if problems:
        raise RulesError("", [str(problem) for problem in problems])
    return pack


def load_pack_with_problems(
    extra: Iterable[str | Path] = (), include_default: bool = True
) -> tuple[RulePack, tuple[Problem, ...]]:
    """The pack as far as it loads (rules with problems left out), and every problem found."""
    problems = _Problems()
    layers: list[_Layer] = []
    if include_default:
        layers.append(_read_layer(default_rules_dir(), "rules", problems))
    for path in extra:
        layers.append(_read_layer(Path(path), str(path), problems))
    if not layers:
        problems.add("rule pack", "empty: --no-default-rules needs at least one --rules DIR")
        return _PackBuilder(_Problems()).build(), tuple(problems.items)
    builder = _PackBuilder(problems)
    for layer in layers:
        builder.add_layer(layer)
    return builder.build(), tuple(problems.items)


class _PackBuilder:
    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.rules: dict[str, Rule] = {}
        self.disabled: dict[str, Location] = {}
        self.processes: dict[str, Process] = {}
        self.models: dict[str, dict[str, Any]] = {}
        self.questions: dict[str, str] = {}
        self.conflict_kinds: dict[str, str] = {}
        self.workshop: dict[str, tuple[tuple[str, ...], Location]] = {}
        self.workshop_rules: dict[str, Rule] = {}
        self.files: list[tuple[str, bytes]] = []

    def add_layer(self, layer: _Layer) -> None:
        layer_rules: dict[str, Rule] = {}
        for name, raw in layer.files:
            self.files.append((name, raw))
            document = self._parse(name, raw)
            if document is not None:
                self._add_document(name, document, layer_rules)
        for rule_id, rule in layer_rules.items():
            previous = self.rules.get(rule_id)
            if previous is not None:
                rule = _replace_override(rule, previous.location)
            self.rules[rule_id] = rule

    def _parse(self, name: str, raw: bytes) -> LineDict | None:
        try:
            document = load_yaml_bytes(raw)
        except UnicodeDecodeError:
            self.problems.add(name, "not UTF-8 text")
            return None
        except YamlProblem as problem:
            self.problems.add(Location(name, problem.line), problem.message)
            return None
        if document is None:
            return None
        if not isinstance(document, LineDict):
            self.problems.add(Location(name, 1), f"expected a mapping with keys {', '.join(FILE_KEYS)}")
            return None
        return document

    def _add_document(self, name: str, document: LineDict, layer_rules: dict[str, Rule]) -> None:
        _unknown_keys(document, FILE_KEYS, name, self.problems, "a rule file")
        reader = _RuleReader(name, self.problems)
        for rule in reader.rules(document.get("rules")):
            if rule.id in layer_rules:
                self.problems.add(
                    rule.location,
                    f'duplicate rule id "{rule.id}" (first defined at {layer_rules[rule.id].location})',
                )
            layer_rules[rule.id] = rule
        for rule_id, line in reader.id_list(document, "disable"):
            self.disabled[rule_id] = Location(name, line)
        for process in reader.processes(document.get("processes")):
            self.processes[process.id] = process
        for model_id, model in reader.models(document.get("models")).items():
            merged = self.models.setdefault(model_id, {"cells": {}})
            cells = model.pop("cells")
            merged.update(model)
            merged["cells"].update(cells)
        self.questions.update(reader.text_map(document, "questions"))
        self.conflict_kinds.update(reader.text_map(document, "conflict_kinds"))
        section = document.get("workshop")
        if isinstance(section, LineDict):
            _unknown_keys(section, ("participants", "questions"), name, self.problems, "the workshop section")
            self.workshop.update(reader.text_lists(section, "questions"))
            self.workshop_rules.update((rule.id, rule) for rule in reader.rules(section.get("participants")))
        elif section is not None:
            self.problems.add(Location(name, document.line_of("workshop")), "workshop must be a mapping")

    def build(self) -> RulePack:
        for rule_id, location in self.disabled.items():
            if rule_id not in self.rules:
                self.problems.add(
                    location, f'cannot disable unknown rule "{rule_id}"{did_you_mean(rule_id, self.rules)}'
                )
        rules = tuple(
            sorted(
                (rule for rule in self.rules.values() if rule.id not in self.disabled),
                key=lambda rule: (rule.priority, rule.id),
            )
        )
        processes = tuple(self.processes.values())
        models = self._models(processes)
        for process_id, (_, location) in self.workshop.items():
            if process_id not in self.processes:
                self.problems.add(
                    location, f"workshop: unknown process {process_id}{did_you_mean(process_id, self.processes)}"
                )
        workshop_rules = tuple(sorted(self.workshop_rules.values(), key=lambda rule: (rule.priority, rule.id)))
        if workshop_rules:
            _CrossChecker(self.problems, processes, self.conflict_kinds, workshop_rules).check()
        _CrossChecker(self.problems, processes, self.conflict_kinds, rules).check()
        return RulePack(
            rules=rules,
            processes=processes,
            models=models,
            questions=dict(self.questions),
            conflict_kinds=dict(self.conflict_kinds),
            files=tuple(name for name, _ in self.files),
            version=_version(self.files),
            disabled=dict(self.disabled),
            workshop_questions={pid: questions for pid, (questions, _) in self.workshop.items()},
            workshop_rules=workshop_rules,
        )

    def _models(self, processes: tuple[Process, ...]) -> dict[str, Model]:
        models: dict[str, Model] = {}
        for model_id, data in self.models.items():
            location = data.get("location")
            missing = [key for key in ("name", "ambition", "mode") if key not in data]
            if missing:
                self.problems.add(location, f"model {model_id}: missing {', '.join(missing)}")
                continue
            cells = data["cells"]
            for process in processes:
                if process.id not in cells:
                    self.problems.add(
                        process.location if process.location.file else location,
                        f"process {process.id} has no accountability cells in model {model_id}; add "
                        f"'{process.id}: [application, interface]' under models: {model_id}: accountability:",
                    )
            for process_id, (_, line) in cells.items():
                if process_id not in self.processes:
                    self.problems.add(
                        line,
                        f"model {model_id}: unknown process {process_id}{did_you_mean(process_id, self.processes)}",
                    )
            models[model_id] = Model(
                model_id,
                data["name"],
                data["ambition"],
                data["mode"],
                {pid: value for pid, (value, _) in cells.items() if pid in self.processes},
            )
        return models


def _replace_override(rule: Rule, previous: Location) -> Rule:
    return Rule(
        rule.id,
        rule.title,
        rule.rationale,
        rule.priority,
        rule.when,
        rule.then,
        rule.location,
        rule.source,
        overrides=previous,
    )


def _version(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, raw in files:
        digest.update(Path(name).name.encode() + b"\0" + raw + b"\0")
    return "sha256:" + digest.hexdigest()[:16]


def _unknown_keys(mapping: LineDict, allowed: Iterable[str], file: str, problems: _Problems, what: str) -> None:
    allowed = tuple(allowed)
    for key in mapping:
        if key not in allowed:
            problems.add(
                Location(file, mapping.line_of(key)),
                f'unknown key "{key}" in {what}; expected one of {", ".join(allowed)}{did_you_mean(key, allowed)}',
            )


# --- reading one file's sections ---------------------------------------------------------------


class _RuleReader:
    def __init__(self, file: str, problems: _Problems) -> None:
        self.file = file
        self.problems = problems

    def at(self, line: int) -> Location:
        return Location(self.file, line)

    def error(self, line: int, message: str) -> None:
        self.problems.add(self.at(line), message)

    def _list(self, value: Any, line: int, what: str) -> LineList:
        if value is None:
            return LineList()
        if not isinstance(value, LineList):
            self.error(line, f"{what} must be a list")
            return LineList()
        return value

    def id_list(self, document: LineDict, key: str) -> list[tuple[str, int]]:
        values = self._list(document.get(key), document.line_of(key), key)
        result = []
        for index, value in enumerate(values):
            if isinstance(value, str):
                result.append((value, values.line_of(index)))
            else:
                self.error(values.line_of(index), f"{key}: expected a rule id; found {shown(value)}")
        return result

    def text_map(self, document: LineDict, key: str) -> dict[str, str]:
        value = document.get(key)
        if value is None:
            return {}
        if not isinstance(value, LineDict):
            self.error(document.line_of(key), f"{key} must be a mapping of name: text")
            return {}
        result = {}
        for name, text in value.items():
            if isinstance(text, str) and text.strip():
                result[name] = text.strip()
            else:
                self.error(value.line_of(name), f"{key}.{name}: expected text; found {shown(text)}")
        return result

    def text_lists(self, document: LineDict, key: str) -> dict[str, tuple[tuple[str, ...], Location]]:
        """A mapping of name: [text, ...], each list with the location of its name."""
        value = document.get(key)
        if value is None:
            return {}
        if not isinstance(value, LineDict):
            self.error(document.line_of(key), f"{key} must be a mapping of name: [text, ...]")
            return {}
        result = {}
        for name, texts in value.items():
            line = value.line_of(name)
            if isinstance(texts, list) and texts and all(isinstance(t, str) and t.strip() for t in texts):
                result[name] = (tuple(" ".join(t.split()) for t in texts), self.at(line))
            else:
                self.error(line, f"{key}.{name}: expected a non-empty list of text; found {shown(texts)}")
        return result

    def processes(self, value: Any) -> list[Process]:
        result = []
        items = self._list(value, getattr(value, "line", 1), "processes")
        for index, item in enumerate(items):
            line = items.line_of(index)
            if not isinstance(item, LineDict) or not PROCESS_ID.match(str(item.get("id", ""))):
                found = shown(item.get("id")) if isinstance(item, LineDict) else shown(item)
                self.error(
                    line,
                    "a process needs an id of lower-case letters, digits and '_', and a name, "
                    f"e.g. {{id: security, name: Security Mgmt}}; found {found}",
                )
                continue
            _unknown_keys(item, ("id", "name"), self.file, self.problems, "a process")
            result.append(Process(item["id"], str(item.get("name", item["id"])), self.at(line)))
        return result

    def models(self, value: Any) -> dict[str, dict[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, LineDict):
            self.error(getattr(value, "line", 1), "models must be a mapping of model id to model")
            return {}
        result = {}
        for model_id, model in value.items():
            line = value.line_of(model_id)
            if model_id not in MODELS:
                self.error(line, f"unknown model {model_id}; expected one of {', '.join(MODELS)}")
                continue
            if not isinstance(model, LineDict):
                self.error(line, f"model {model_id} must be a mapping")
                continue
            result[model_id] = self._model(model_id, model)
        return result

    def _model(self, model_id: str, model: LineDict) -> dict[str, Any]:
        _unknown_keys(model, ("name", "ambition", "mode", "accountability"), self.file, self.problems, "a model")
        data: dict[str, Any] = {"location": self.at(model.line)}
        for key in ("name", "ambition"):
            if key in model:
                data[key] = str(model[key])
        if "mode" in model:
            if model["mode"] in MODES:
                data["mode"] = model["mode"]
            else:
                self.error(model.line_of("mode"), f"model {model_id}: mode must be 1 or 2")
        cells = model.get("accountability") or LineDict()
        data["cells"] = {}
        if not isinstance(cells, LineDict):
            self.error(model.line_of("accountability"), "accountability must map process: [application, interface]")
            return data
        for process_id, pair in cells.items():
            line = cells.line_of(process_id)
            if not (isinstance(pair, list) and len(pair) == 2):
                self.error(line, f"{process_id}: expected [application, interface]; found {shown(pair)}")
                continue
            application, interface = pair
            for column, party in (("application", application), ("interface", interface)):
                if party not in INTERFACE_CELLS:
                    self.error(
                        line,
                        f"{process_id} {column}: unknown party {shown(party)}; expected one of "
                        f"{', '.join(INTERFACE_CELLS)}{did_you_mean(str(party), INTERFACE_CELLS)}",
                    )
            data["cells"][process_id] = ((application, interface), self.at(line))
        return data

    def rules(self, value: Any) -> list[Rule]:
        rules = []
        items = self._list(value, getattr(value, "line", 1), "rules")
        for index, item in enumerate(items):
            line = items.line_of(index)
            if not isinstance(item, LineDict):
                self.error(line, "a rule must be a mapping with id, title, rationale, when, then")
                continue
            rule = self._rule(item)
            if rule is not None:
                rules.append(rule)
        return rules

    def _rule(self, item: LineDict) -> Rule | None:
        before = len(self.problems.items)
        _unknown_keys(item, RULE_KEYS, self.file, self.problems, "a rule")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            self.error(
                item.line_of("id"),
                f"a rule needs an id of lower-case letters, digits, '.', '_' or '-'; found {shown(rule_id)}",
            )
            rule_id = "?"
        label = f"rule {rule_id}"
        texts = {}
        for key in ("title", "rationale"):
            text = item.get(key)
            if key not in item:
                self.error(item.line_of(key), f"{label}: missing {key} (text)")
            elif not isinstance(text, str) or not text.strip():
                self.error(item.line_of(key), f"{label}: {key} must be text; found {shown(text)}")
            else:
                texts[key] = " ".join(text.split())
        priority = item.get("priority", DEFAULT_PRIORITY)
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_PRIORITY:
            self.error(item.line_of("priority"), f"{label}: priority must be a whole number 0 to {MAX_PRIORITY}")
            priority = DEFAULT_PRIORITY
        when = self._group("all", item.get("when") or LineDict(), item.line_of("when"), label)
        then = self._conclusions(item.get("then"), item.line_of("then"), label)
        if len(self.problems.items) > before:
            return None
        return Rule(
            rule_id,
            texts["title"],
            texts["rationale"],
            priority,
            when,
            then,
            self.at(item.line),
            " ".join(str(item.get("source", "")).split()),
        )

    # conditions

    def _group(self, mode: str, value: Any, line: int, label: str) -> Group:
        if not isinstance(value, LineDict):
            self.error(line, f"{label}: 'when' must be a mapping of fact: test")
            return Group(mode, ())
        items: list[Condition | Group] = []
        for key, test in value.items():
            key_line = value.line_of(key)
            if key in GROUP_KEYS:
                items.append(self._nested(key, test, key_line, label))
            else:
                items.extend(self._conditions(key, test, key_line, label))
        return Group(mode, tuple(items))

    def _nested(self, mode: str, value: Any, line: int, label: str) -> Group:
        if not isinstance(value, LineList) or not value:
            self.error(line, f"{label}: '{mode}' must be a non-empty list of condition mappings")
            return Group(mode, ())
        groups = tuple(self._group("all", item, value.line_of(index), label) for index, item in enumerate(value))
        return Group(mode, groups)

    def _conditions(self, fact: str, test: Any, line: int, label: str) -> list[Condition]:
        spec = FACTS.get(fact)
        kind = spec.kind if spec else "derived"
        if isinstance(test, LineDict):
            if not test:
                self.error(line, f"{label}: {fact}: no test given; write e.g. {fact}: {{exists: true}}")
            pairs = [(name, operand, test.line_of(name)) for name, operand in test.items()]
        elif isinstance(test, list) and kind == "set":
            self.error(
                line,
                f"{label}: {fact} is a list fact: write {fact}: {{contains_any: {shown(test)}}} "
                f"or {fact}: {{contains_all: {shown(test)}}}",
            )
            return []
        elif isinstance(test, list):
            pairs = [("in", test, line)]
        elif kind == "set":
            pairs = [("contains", test, line)]
        else:
            pairs = [("equals", test, line)]
        conditions = []
        for name, operand, pair_line in pairs:
            condition = self._condition(fact, spec, kind, name, operand, pair_line, label)
            if condition is not None:
                conditions.append(condition)
        return conditions

    def _condition(
        self,
        fact: str,
        spec: FactSpec | None,
        kind: str,
        test: str,
        operand: Any,
        line: int,
        label: str,
    ) -> Condition | None:
        allowed = TESTS_BY_KIND[kind]
        if test not in allowed:
            self.error(
                line,
                f"{label}: {fact} cannot be tested with '{test}'; {_article(kind)} {kind} fact takes "
                f"{', '.join(allowed)}{did_you_mean(test, allowed)}",
            )
            return None
        problem = _operand_problem(spec, kind, test, operand)
        if problem:
            self.error(line, f"{label}: {fact} {test}: {problem}")
            return None
        if isinstance(operand, list):
            operand = tuple(operand)
        return Condition(fact, test, operand, self.at(line), derived=spec is None)

    # conclusions

    def _conclusions(self, value: Any, line: int, label: str) -> tuple[Conclusion, ...]:
        if not isinstance(value, LineList) or not value:
            self.error(line, f"{label}: 'then' must be a non-empty list of conclusions")
            return ()
        conclusions = []
        for index, item in enumerate(value):
            item_line = value.line_of(index)
            if not isinstance(item, dict) or len(item) != 1:
                self.error(
                    item_line,
                    f"{label}: each conclusion is one of {', '.join(CONCLUSION_KINDS)}, e.g. '- next_step: ...'",
                )
                continue
            kind, data = next(iter(item.items()))
            if kind not in CONCLUSION_KINDS:
                self.error(
                    item_line,
                    f"{label}: unknown conclusion '{kind}'; expected one of "
                    f"{', '.join(CONCLUSION_KINDS)}{did_you_mean(kind, CONCLUSION_KINDS)}",
                )
                continue
            normalised = _CONCLUSION_SHAPES[kind](data)
            if isinstance(normalised, str):
                self.error(item_line, f"{label}: {kind}: {normalised}")
                continue
            conclusions.append(Conclusion(kind, normalised, self.at(item_line)))
        return tuple(conclusions)


def _operand_problem(spec: FactSpec | None, kind: str, test: str, operand: Any) -> str:
    """Why an operand does not fit the test and fact, or '' when it fits."""
    if test in ("exists", "empty"):
        if not isinstance(operand, bool):
            return "expected true or false"
        if kind == "derived" and operand is False:
            return "a derived fact can only be tested with exists: true (durable_rules cannot re-check a negation)"
        return ""
    many = test in ("in", "not_in", "contains_any", "contains_all")
    operands = operand if many else [operand]
    if many and (not isinstance(operand, list) or not operand):
        return "expected a non-empty list"
    for value in operands:
        problem = _value_problem(spec, kind, value)
        if problem:
            return problem
    return ""


def _value_problem(spec: FactSpec | None, kind: str, value: Any) -> str:
    if kind in ("choice", "ordered", "set"):
        assert spec is not None
        if value not in spec.values:
            return (
                f"{shown(value)} is not a value {spec.name} can take; expected one of "
                f"{', '.join(spec.values)}{did_you_mean(str(value), spec.values)}"
            )
    elif kind == "flag":
        if not isinstance(value, bool):
            return f"expected true or false; found {shown(value)}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number; found {shown(value)}"
    elif not isinstance(value, (str, int, bool)):
        return f"expected text, a number or true/false; found {shown(value)}"
    return ""


# --- conclusion shapes: each returns normalised data or an error string -----------------------


def _mapping(data: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, Any] | str:
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


def _text_fields(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | str:
    for key in keys:
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                return f"{key} must be text"
            data[key] = " ".join(data[key].split())
    return data


def _recommend(data: Any) -> dict[str, Any] | str:
    if isinstance(data, str):
        data = {"model": data}
    result = _mapping(data, ("model",), ("suggestion",))
    if isinstance(result, str):
        return result
    if result["model"] not in MODELS:
        hint = did_you_mean(str(result["model"]), MODELS)
        return f"unknown model {shown(result['model'])}; expected one of {', '.join(MODELS)}{hint}"
    if not isinstance(result.setdefault("suggestion", False), bool):
        return "suggestion must be true or false"
    return result


def _mode(data: Any) -> dict[str, Any] | str:
    if data not in MODES or isinstance(data, bool):
        return f"expected 1 or 2; found {shown(data)}"
    return {"mode": data}


def _derive(data: Any) -> dict[str, Any] | str:
    if not isinstance(data, dict) or not data:
        return "expected a mapping of derived fact: value"
    for name, value in data.items():
        if name in FACTS:
            return f"{name} is a scenario fact; derive a new name"
        if not re.match(r"^[a-z][a-z0-9_]*$", name):
            return f"derived fact names are lower_case words; found {shown(name)}"
        if not isinstance(value, (str, int, bool)):
            return f"{name}: expected text, a number or true/false"
    return dict(data)


def _accountability(data: Any) -> dict[str, Any] | str:
    result = _mapping(data, ("process", "column", "party"))
    if isinstance(result, str):
        return result
    if result["column"] not in (*COLUMNS, "both"):
        column = result["column"]
        hint = did_you_mean(str(column), (*COLUMNS, "both"))
        return f"column must be application, interface or both; found {shown(column)}{hint}"
    if result["party"] not in INTERFACE_CELLS:
        return (
            f"unknown party {shown(result['party'])}; expected one of {', '.join(INTERFACE_CELLS)}"
            f"{did_you_mean(str(result['party']), INTERFACE_CELLS)}"
        )
    return result


def _conflict(data: Any) -> dict[str, Any] | str:
    result = _mapping(data, ("kind", "severity", "message", "remedy"))
    if isinstance(result, str):
        return result
    if result["severity"] not in SEVERITIES:
        return f"severity must be one of {', '.join(SEVERITIES)}{did_you_mean(str(result['severity']), SEVERITIES)}"
    return _text_fields(result, ("kind", "message", "remedy"))


def _governance(data: Any) -> dict[str, Any] | str:
    result = _mapping(data, ("process", "advice"))
    return result if isinstance(result, str) else _text_fields(result, ("advice",))


def _risk(data: Any) -> dict[str, Any] | str:
    result = _mapping(data, ("id", "message", "accept_by"))
    if isinstance(result, str):
        return result
    if not isinstance(result["id"], str) or not RULE_ID.match(result["id"]):
        return "id must be lower-case letters, digits, '.', '_' or '-'"
    return _text_fields(result, ("message", "accept_by"))


def _next_step(data: Any) -> dict[str, Any] | str:
    if not isinstance(data, str) or not data.strip():
        return "expected the step as text"
    return {"step": " ".join(data.split())}


_CONCLUSION_SHAPES = {
    "recommend": _recommend,
    "mode": _mode,
    "derive": _derive,
    "accountability": _accountability,
    "conflict": _conflict,
    "governance": _governance,
    "risk": _risk,
    "next_step": _next_step,
}


class _CrossChecker:
    """Checks that need the whole pack: processes, conflict kinds, derived facts, placeholders."""

    def __init__(
        self,
        problems: _Problems,
        processes: tuple[Process, ...],
        conflict_kinds: dict[str, str],
        rules: tuple[Rule, ...],
    ) -> None:
        self.problems = problems
        self.process_ids = tuple(process.id for process in processes)
        self.conflict_kinds = conflict_kinds
        self.rules = rules
        self.derived = derived_names(rules)
        self.placeholders = (*SERVICE_PLACEHOLDERS, *FACTS, *self.derived)

    def check(self) -> None:
        if not self.process_ids:
            self.problems.add("rule pack", "defines no processes (the bundled rules/00-reference.yaml has them)")
        for rule in self.rules:
            for item in rule.when.items:
                if isinstance(item, Group):
                    self._no_derived_inside(rule, item)
            for condition in rule.when.conditions():
                if condition.derived and condition.fact not in self.derived:
                    known = (*FACTS, *self.derived)
                    self.problems.add(
                        condition.location,
                        f"rule {rule.id}: unknown fact '{condition.fact}'{did_you_mean(condition.fact, known)}; "
                        "not a scenario fact and no rule derives it",
                    )
            for conclusion in rule.then:
                self._conclusion(rule, conclusion)

    def _no_derived_inside(self, rule: Rule, group: Group) -> None:
        for condition in group.conditions():
            if condition.derived and condition.fact in self.derived:  # an unknown name is reported once, below
                self.problems.add(
                    condition.location,
                    f"rule {rule.id}: the derived fact '{condition.fact}' can only be tested at the "
                    f"top level of 'when', not inside '{group.mode}'",
                )

    def _conclusion(self, rule: Rule, conclusion: Conclusion) -> None:
        data = conclusion.data
        where = conclusion.location
        if conclusion.kind in ("accountability", "governance"):
            allowed = (*self.process_ids, "all") if conclusion.kind == "accountability" else self.process_ids
            if data["process"] not in allowed:
                self.problems.add(
                    where,
                    f"rule {rule.id}: unknown process '{data['process']}'; expected one of "
                    f"{', '.join(allowed)}{did_you_mean(str(data['process']), allowed)}",
                )
        if conclusion.kind == "conflict" and data["kind"] not in self.conflict_kinds:
            self.problems.add(
                where,
                f"rule {rule.id}: unknown conflict kind '{data['kind']}'; declare it under conflict_kinds "
                f"or use one of {', '.join(sorted(self.conflict_kinds))}"
                f"{did_you_mean(data['kind'], self.conflict_kinds)}",
            )
        for text in data.values():
            if isinstance(text, str):
                self._placeholders(rule, where, text)

    def _placeholders(self, rule: Rule, where: Location, text: str) -> None:
        for name in PLACEHOLDER.findall(text):
            if name not in self.placeholders:
                self.problems.add(
                    where,
                    f"rule {rule.id}: unknown placeholder {{{name}}}{did_you_mean(name, self.placeholders)}",
                )
