"""The YAML front end: a rule file (YAML data, never code) becomes a Document of IR rules with locations.

Only YAML's safe subset is parsed (see yamlload); every problem is reported as file:line and the
reader goes on, so one run lists them all.
"""

from __future__ import annotations

import re
from typing import Any

from ..contract import CURRENT_OPERATORS, INTERFACE_CELLS, MODELS, MODES, SERVICE_PLACEHOLDERS, SEVERITIES
from ..errors import did_you_mean
from ..kinds import authored
from ..kinds.base import unknown as unknown_text
from ..rulesyntax import RULE_ID, as_written
from ..yamlload import LineDict, LineList, YamlProblem, load_yaml_bytes
from .conditions import GROUP_KEYS, make_condition, shorthand
from .document import Document
from .ir import (
    DEFAULT_PRIORITY,
    LINES,
    MAX_PRIORITY,
    AcceptancePolicy,
    Conclusion,
    Condition,
    Group,
    Location,
    Problems,
    Process,
    Provenance,
    Role,
    Rule,
    provenance,
)
from .reading import conclusion, unknown_keys
from .table_front import add_table, table_from_yaml

FILE_KEYS = (
    "rules",
    "tables",
    "disable",
    "processes",
    "models",
    "questions",
    "conflict_kinds",
    "roles",
    "acceptance",
    "workshop",
)
ROLE_KEYS = ("name", "line", "authority", "person")
POLICY_KEYS = ("review_months", "minimum_authority")
RULE_KEYS = ("id", "title", "rationale", "source", "priority", "when", "then")
PROCESS_ID = r"^[a-z][a-z0-9_]*$"


def read(name: str, raw: bytes, problems: Problems) -> Document | None:
    """The rules and pack sections of one YAML rule file, or None when it does not parse."""
    try:
        document = load_yaml_bytes(raw)
    except UnicodeDecodeError:
        problems.add(name, "not UTF-8 text")
        return None
    except YamlProblem as problem:
        problems.add(Location(name, problem.line), problem.message)
        return None
    if document is None:
        return None
    if not isinstance(document, LineDict):
        problems.add(Location(name, 1), f"expected a mapping with keys {', '.join(FILE_KEYS)}")
        return None
    return _document(name, document, problems)


def _document(name: str, document: LineDict, problems: Problems) -> Document:
    unknown_keys(document, FILE_KEYS, name, problems, "a rule file")
    reader = _RuleReader(name, problems)
    result = Document(
        rules=reader.rules(document.get("rules")),
        disable=[(rule_id, Location(name, line)) for rule_id, line in reader.id_list(document, "disable")],
        processes=reader.processes(document.get("processes")),
        models=reader.models(document.get("models")),
        questions=reader.text_map(document, "questions"),
        conflict_kinds=reader.text_map(document, "conflict_kinds"),
        roles=reader.roles(document),
        acceptance=reader.acceptance(document),
    )
    _tables(name, document, result, problems)
    section = document.get("workshop")
    if isinstance(section, LineDict):
        unknown_keys(section, ("participants", "questions"), name, problems, "the workshop section")
        result.workshop_questions = reader.text_lists(section, "questions")
        result.workshop_rules = reader.rules(section.get("participants"))
    elif section is not None:
        problems.add(Location(name, document.line_of("workshop")), "workshop must be a mapping")
    return result


def _tables(name: str, document: LineDict, result: Document, problems: Problems) -> None:
    """Hand the file's `tables:` entries to the decision-table front end."""
    items = document.get("tables")
    if items is None:
        return
    if not isinstance(items, LineList):
        problems.add(Location(name, document.line_of("tables")), "tables must be a list of tables")
        return
    for item in items:
        table = table_from_yaml(name, item, problems)
        if table is not None:
            add_table(result, table, problems)


class _RuleReader:
    def __init__(self, file: str, problems: Problems) -> None:
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
                self.error(values.line_of(index), f"{key}: expected a rule id; found {as_written(value)}")
        return result

    def _mapping_of(self, document: LineDict, key: str, what: str) -> list[tuple[str, LineDict, int]]:
        """The (name, mapping, line) entries of a section that maps names to mappings."""
        value = document.get(key)
        if value is None:
            return []
        if not isinstance(value, LineDict):
            self.error(document.line_of(key), f"{key} must be a mapping of {what}")
            return []
        entries = []
        for name, item in value.items():
            if isinstance(item, LineDict):
                unknown_keys(item, ROLE_KEYS if key == "roles" else POLICY_KEYS, self.file, self.problems, what)
                entries.append((name, item, value.line_of(name)))
            else:
                self.error(value.line_of(name), f"{key}.{name}: expected a mapping; found {as_written(item)}")
        return entries

    def roles(self, document: LineDict) -> dict[str, Role]:
        """`roles:` id -> {name, line: first|second, authority, person}: who accepts risk, who is consulted."""
        result = {}
        for role_id, item, line in self._mapping_of(document, "roles", "a role"):
            line_of_defence = item.get("line")
            authority = item.get("authority", 0)
            person = item.get("person")
            if not re.match(PROCESS_ID, str(role_id)):
                self.error(line, f"roles: a role id is lower-case letters, digits and '_'; found {as_written(role_id)}")
            elif not isinstance(item.get("name"), str) or line_of_defence not in LINES:
                self.error(
                    line,
                    f"roles.{role_id}: needs a name and line: first (owns and accepts risk) or second "
                    f"(consulted); found line {as_written(line_of_defence)}",
                )
            elif isinstance(authority, bool) or not isinstance(authority, int) or authority < 0:
                self.error(line, f"roles.{role_id}: authority must be a whole number 0 or more")
            elif person is not None and person not in SERVICE_PLACEHOLDERS:
                hint = did_you_mean(str(person), SERVICE_PLACEHOLDERS)
                self.error(line, f"roles.{role_id}: person names a service field, e.g. service.business_owner{hint}")
            else:
                result[role_id] = Role(role_id, item["name"], line_of_defence, authority, person, self.at(line))
        return result

    def acceptance(self, document: LineDict) -> dict[str, AcceptancePolicy]:
        """`acceptance:` severity -> {review_months, minimum_authority}."""
        result = {}
        for severity, item, line in self._mapping_of(document, "acceptance", "an acceptance policy"):
            months, minimum = item.get("review_months"), item.get("minimum_authority", 0)
            if severity not in SEVERITIES:
                self.error(line, unknown_text("severity", severity, SEVERITIES))
            elif any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in (months, minimum)) or not months:
                self.error(
                    line, f"acceptance.{severity}: review_months (1 or more) and minimum_authority are whole numbers"
                )
            else:
                result[severity] = AcceptancePolicy(severity, months, minimum, self.at(line))
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
                self.error(value.line_of(name), f"{key}.{name}: expected text; found {as_written(text)}")
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
                self.error(line, f"{key}.{name}: expected a non-empty list of text; found {as_written(texts)}")
        return result

    def processes(self, value: Any) -> list[Process]:
        result = []
        items = self._list(value, getattr(value, "line", 1), "processes")
        for index, item in enumerate(items):
            line = items.line_of(index)
            if not isinstance(item, LineDict) or not re.match(PROCESS_ID, str(item.get("id", ""))):
                found = as_written(item.get("id")) if isinstance(item, LineDict) else as_written(item)
                self.error(
                    line,
                    "a process needs an id of lower-case letters, digits and '_', and a name, "
                    f"e.g. {{id: security, name: Security Mgmt}}; found {found}",
                )
                continue
            unknown_keys(item, ("id", "name"), self.file, self.problems, "a process")
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
        keys = ("name", "ambition", "mode", "operated_today", "accountability")
        unknown_keys(model, keys, self.file, self.problems, "a model")
        data: dict[str, Any] = {"location": self.at(model.line)}
        for key in ("name", "ambition"):
            if key in model:
                data[key] = str(model[key])
        if "operated_today" in model:
            today = model["operated_today"]
            if isinstance(today, list) and all(value in CURRENT_OPERATORS for value in today):
                data["operated_today"] = tuple(today)
            else:
                self.error(
                    model.line_of("operated_today"),
                    f"model {model_id}: operated_today lists who operates a service today that this model "
                    f"describes, from {', '.join(CURRENT_OPERATORS)}; found {as_written(today)}",
                )
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
                self.error(line, f"{process_id}: expected [application, interface]; found {as_written(pair)}")
                continue
            application, interface = pair
            for column, party in (("application", application), ("interface", interface)):
                if party not in INTERFACE_CELLS:
                    self.error(
                        line,
                        f"{process_id} {column}: unknown party {as_written(party)}; expected one of "
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
        unknown_keys(item, RULE_KEYS, self.file, self.problems, "a rule")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not RULE_ID.match(rule_id):
            self.error(
                item.line_of("id"),
                f"a rule needs an id of lower-case letters, digits, '.', '_' or '-'; found {as_written(rule_id)}",
            )
            rule_id = "?"
        label = f"rule {rule_id}"
        texts = {}
        for key in ("title", "rationale"):
            text = item.get(key)
            if key not in item:
                self.error(item.line_of(key), f"{label}: missing {key} (text)")
            elif not isinstance(text, str) or not text.strip():
                self.error(item.line_of(key), f"{label}: {key} must be text; found {as_written(text)}")
            else:
                texts[key] = " ".join(text.split())
        priority = item.get("priority", DEFAULT_PRIORITY)
        if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= MAX_PRIORITY:
            self.error(item.line_of("priority"), f"{label}: priority must be a whole number 0 to {MAX_PRIORITY}")
            priority = DEFAULT_PRIORITY
        source = self._source(item, label)
        when = self._group("all", item.get("when") or LineDict(), item.line_of("when"), label)
        then = self._conclusions(item.get("then"), item.line_of("then"), label)
        if len(self.problems.items) > before:
            return None
        return Rule(
            rule_id, texts["title"], texts["rationale"], priority, when, then, self.at(item.line), provenance=source
        )

    def _source(self, item: LineDict, label: str) -> Provenance:
        """The rule's provenance; none given is allowed here (`rules check` warns about it)."""
        if "source" not in item:
            return Provenance()
        text = item["source"]
        found = provenance(text) if isinstance(text, str) else f"source must be text; found {as_written(text)}"
        if isinstance(found, str):
            self.error(item.line_of("source"), f"{label}: {found}")
            return Provenance()
        return found

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
        if isinstance(test, LineDict):
            if not test:
                self.error(line, f"{label}: {fact}: no test given; write e.g. {fact}: {{exists: true}}")
            pairs = [(name, operand, test.line_of(name)) for name, operand in test.items()]
        else:
            meant = shorthand(fact, test)
            if isinstance(meant, str):
                self.error(line, f"{label}: {meant}")
                return []
            pairs = [(*meant, line)]
        conditions = []
        for name, operand, pair_line in pairs:
            condition = make_condition(fact, name, operand, self.at(pair_line))
            if isinstance(condition, str):
                self.error(pair_line, f"{label}: {condition}")
            else:
                conditions.append(condition)
        return conditions

    # conclusions

    def _conclusions(self, value: Any, line: int, label: str) -> tuple[Conclusion, ...]:
        if not isinstance(value, LineList) or not value:
            self.error(line, f"{label}: 'then' must be a non-empty list of conclusions")
            return ()
        names = tuple(k.name for k in authored())
        conclusions = []
        for index, item in enumerate(value):
            item_line = value.line_of(index)
            if not isinstance(item, dict) or len(item) != 1:
                self.error(item_line, f"{label}: each conclusion is one of {', '.join(names)}, e.g. '- next_step: ...'")
                continue
            name, data = next(iter(item.items()))
            if name not in names:
                self.error(
                    item_line,
                    f"{label}: unknown conclusion '{name}'; expected one of "
                    f"{', '.join(names)}{did_you_mean(name, names)}",
                )
                continue
            parsed = conclusion(name, data, self.at(item_line))
            if isinstance(parsed, str):
                self.error(item_line, f"{label}: {name}: {parsed}")
                continue
            conclusions.append(parsed)
        return tuple(conclusions)
