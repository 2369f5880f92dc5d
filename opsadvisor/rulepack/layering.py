"""Layering: read rule directories (layers) through the front ends and merge them into one RulePack.

A pack is one or more layers (directories or files). Files in a layer load in name order; a later
layer replaces a rule with the same id, can disable rules by id, and can add processes, model
cells, questions and conflict kinds. Every problem is reported as file:line with what is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RulesError, did_you_mean
from ..kinds import PackFacts, registered
from . import frontends, snapshot
from .ir import SEED, SEED_ONLY, AcceptancePolicy, Location, Model, Problem, Problems, Process, Role, Rule, RulePack

if TYPE_CHECKING:
    from .document import Document


@dataclass
class _Layer:
    label: str
    files: list[tuple[str, bytes]]


BUNDLED = "<bundled>"  # how locations in the bundled pack read: `<bundled>/10-ambition.yaml:9`


def default_rules_dir() -> Path:
    """The bundled pack: inside the installed package, or `rules/` beside it in a checkout.

    Its files are named `<bundled>/NAME` wherever it lives, so a location never names a path that does
    not exist from the user's folder, and reports read the same in a checkout and an installed copy
    (`opsadvisor docs` prints the folder `<bundled>` stands for).
    """
    package = Path(__file__).parent.parent
    installed = package / "rules"
    return installed if installed.is_dir() else package.parent / "rules"


def _read_layer(path: Path, label: str, problems: Problems) -> _Layer:
    if path.is_file():
        return _Layer(label, [(label, path.read_bytes())])
    if not path.is_dir():
        problems.add(label, "no such rule directory or file")
        return _Layer(label, [])
    files = sorted(p for p in path.iterdir() if p.suffix in frontends.FRONT_ENDS and p.is_file())
    if not files:
        problems.add(label, "holds no rule files (*.yaml, or decision tables *.csv, *.xlsx)")
    return _Layer(label, [(f"{label}/{p.name}", p.read_bytes()) for p in files])


def load_pack(extra: Iterable[str | Path] = (), include_default: bool = True) -> RulePack:
    """Load the default pack (unless excluded) with extra layers on top, or raise RulesError.

    A pack that loaded cleanly is kept as a snapshot (snapshot.py) and taken from there while its rule
    files, front ends, kinds and opsadvisor stay the same."""
    problems = Problems()
    layers = _read_layers(extra, include_default, problems)
    folder = _snapshot_folder() if layers and not problems.items else None
    key = snapshot.key(((layer.label, layer.files) for layer in layers), _registered()) if folder else ""
    pack = snapshot.read(folder, key)
    if pack is not None:
        return pack
    pack = _build(layers, problems)
    if problems.items:
        raise RulesError("", [str(problem) for problem in problems.items])
    snapshot.write(folder, key, pack)
    return pack


def load_pack_with_problems(
    extra: Iterable[str | Path] = (), include_default: bool = True
) -> tuple[RulePack, tuple[Problem, ...]]:
    """The pack as far as it loads (rules with problems left out), and every problem found (always read from
    the rule files: `rules check` reports every problem and warning they hold)."""
    problems = Problems()
    pack = _build(_read_layers(extra, include_default, problems), problems)
    return pack, tuple(problems.items)


def _read_layers(extra: Iterable[str | Path], include_default: bool, problems: Problems) -> list[_Layer]:
    layers: list[_Layer] = []
    if include_default:
        layers.append(_read_layer(default_rules_dir(), BUNDLED, problems))
    for path in extra:
        layers.append(_read_layer(Path(path), str(path), problems))
    return layers


def _build(layers: list[_Layer], problems: Problems) -> RulePack:
    if not layers:
        problems.add("rule pack", "empty: --no-default-rules needs at least one --rules DIR")
        return _PackBuilder(Problems()).build()
    builder = _PackBuilder(problems)
    for layer in layers:
        builder.add_layer(layer)
    return builder.build()


def _snapshot_folder() -> Path | None:
    from ..yamlload import cache_dir

    return cache_dir()


def _registered() -> list[str]:
    """What else a load depends on: the front ends and conclusion kinds registered in this process."""
    readers = frontends.FRONT_ENDS.items()
    return [f"front end {suffix} {read.__module__}.{read.__qualname__}" for suffix, read in readers] + [
        f"kind {item.name} {type(item).__module__}.{type(item).__qualname__}" for item in registered()
    ]


def seed_rules_only(pack: RulePack) -> RulePack:
    """The pack with only the seed's rules (`--seed-only`), under a version of its own so reports say so.

    A rule of the seed that tests a fact only a practice rule derives does not fire in it.
    """
    if pack.version.endswith(SEED_ONLY):
        return pack
    return replace(
        pack,
        rules=tuple(rule for rule in pack.rules if rule.provenance.origin == SEED),
        workshop_rules=tuple(rule for rule in pack.workshop_rules if rule.provenance.origin == SEED),
        left_out=tuple(rule for rule in pack.rules if rule.provenance.origin != SEED),
        version=pack.version + SEED_ONLY,
    )


class _PackBuilder:
    def __init__(self, problems: Problems) -> None:
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
        self.tables: dict[str, Any] = {}
        self.roles: dict[str, Role] = {}
        self.acceptance: dict[str, AcceptancePolicy] = {}

    def add_layer(self, layer: _Layer) -> None:
        layer_rules: dict[str, Rule] = {}
        layer_tables: dict[str, Any] = {}
        layer_roles: dict[str, Role] = {}
        layer_policies: dict[str, AcceptancePolicy] = {}
        for name, raw in layer.files:
            self.files.append((name, raw))
            document = frontends.front_end_for(name)(name, raw, self.problems)
            if document is not None:
                self._add_document(document, layer_rules)
                self._add_tables(document, layer_tables)
                self._add_policy(document.roles, layer_roles, "roles")
                self._add_policy(document.acceptance, layer_policies, "acceptance")
        # a later layer's role or severity policy replaces the earlier one, which it keeps for `rules check`
        for role_id, role in layer_roles.items():
            self.roles[role_id] = replace(role, layer=layer.label, replaces=self.roles.get(role_id))
        for severity, policy in layer_policies.items():
            self.acceptance[severity] = replace(policy, layer=layer.label, replaces=self.acceptance.get(severity))
        for table_id, table in layer_tables.items():
            replaced = self.tables.get(table_id)
            if replaced is not None:  # a later layer's table replaces the whole table, rows and all
                for row in replaced.rows:
                    self.rules.pop(row.rule_id, None)
            self.tables[table_id] = table
        for rule_id, rule in layer_rules.items():
            previous = self.rules.get(rule_id)
            if previous is not None:
                rule = replace(rule, overrides=previous.location)
            self.rules[rule_id] = rule

    def _add_tables(self, document: Document, layer_tables: dict[str, Any]) -> None:
        for table in document.tables:
            self._add_once(table, layer_tables, "table")

    def _add_once(self, item: Any, seen: dict[str, Any], what: str) -> None:
        """Keep a rule or table by id; an id given twice in one layer is a problem naming both places."""
        if item.id in seen:
            self.problems.add(
                item.location, f'duplicate {what} id "{item.id}" (first defined at {seen[item.id].location})'
            )
        seen[item.id] = item

    def _add_policy(self, items: dict[str, Any], seen: dict[str, Any], section: str) -> None:
        """Keep a layer's roles (or severity policies) by id; one defined in two files of one layer is a problem
        naming both places: which one holds would depend on the files' names."""
        for key, item in items.items():
            if key in seen:
                self.problems.add(
                    item.location,
                    f"{section}.{key} is defined twice in one layer (first at {seen[key].location}); keep one, "
                    "or move the override to a layer of its own",
                )
            seen[key] = item

    def _add_document(self, document: Document, layer_rules: dict[str, Rule]) -> None:
        for rule in document.rules:
            self._add_once(rule, layer_rules, "rule")
        self.disabled.update(document.disable)
        self.processes.update((process.id, process) for process in document.processes)
        for model_id, model in document.models.items():
            merged = self.models.setdefault(model_id, {"cells": {}})
            cells = model.pop("cells")
            merged.update(model)
            merged["cells"].update(cells)
        self.questions.update(document.questions)
        self.conflict_kinds.update(document.conflict_kinds)
        self.workshop.update(document.workshop_questions)
        self.workshop_rules.update((rule.id, rule) for rule in document.workshop_rules)

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
        facts = PackFacts(
            tuple(p.id for p in processes),
            dict(self.conflict_kinds),
            self.roles,
            self.acceptance,
            processes,
            dict(self.questions),
        )
        from .crosscheck import CrossChecker

        if workshop_rules:
            CrossChecker(self.problems, facts, workshop_rules).check()
        CrossChecker(self.problems, facts, rules).check()
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
            tables=tuple(self.tables.values()),
            roles=dict(self.roles),
            acceptance=dict(self.acceptance),
        )

    def _models(self, processes: tuple[Process, ...]) -> dict[str, Model]:
        models: dict[str, Model] = {}
        for model_id, data in self.models.items():
            location: Location = data["location"]  # every front end's model records where it starts
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
                data.get("operated_today", ()),
            )
        return models


def _version(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, raw in files:
        digest.update(Path(name).name.encode() + b"\0" + raw + b"\0")
    return "sha256:" + digest.hexdigest()[:16]
