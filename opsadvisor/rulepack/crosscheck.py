"""Cross-checks that need the whole pack: processes, conflict kinds, derived facts, placeholders.

Each conclusion kind checks its own payload against the pack (kinds.Kind.check); this module adds
what holds for every rule whatever it concludes.
"""

from __future__ import annotations

import re

from ..contract import FACTS, SERVICE_PLACEHOLDERS
from ..effective import SETTLED_FIRST, system_facts
from ..errors import did_you_mean
from ..kinds import PackFacts, kind
from ..rulesyntax import as_written
from .ir import Conclusion, Condition, Group, Location, Problems, Rule, derived_names

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class CrossChecker:
    """Checks that need the whole pack: processes, conflict kinds, derived facts, placeholders."""

    def __init__(self, problems: Problems, pack: PackFacts, rules: tuple[Rule, ...]) -> None:
        self.problems = problems
        self.pack = pack
        self.rules = rules
        self.system = system_facts(pack.processes)
        self.derived = (*derived_names(rules), *self.system)
        self.placeholders = (*SERVICE_PLACEHOLDERS, *FACTS, *self.derived)

    def check(self) -> None:
        if not self.pack.process_ids:
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
                elif condition.fact in self.system:
                    self._system_value(rule, condition)
            for conclusion in rule.then:
                self._conclusion(rule, conclusion)
            self._settled_first(rule)

    def _system_value(self, rule: Rule, condition: Condition) -> None:
        """A test on the effective model's facts names a value they can take (an accountability party...)."""
        allowed = self.system[condition.fact][0]
        operands = condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
        if condition.test == "exists" or not allowed:
            return
        for value in operands:
            if value not in allowed:
                shown_allowed = [str(item).lower() if isinstance(item, bool) else str(item) for item in allowed]
                self.problems.add(
                    condition.location,
                    f"rule {rule.id}: {condition.fact} is never {as_written(value)}; expected one of "
                    f"{', '.join(shown_allowed)}{did_you_mean(str(value), shown_allowed)}",
                )

    def _settled_first(self, rule: Rule) -> None:
        """The matrix is settled before the effective-model facts go in: a rule testing them cannot change it."""
        if not any(condition.fact in self.system for condition in rule.when.conditions()):
            return
        for conclusion in rule.then:
            if conclusion.kind in SETTLED_FIRST:
                self.problems.add(
                    conclusion.location,
                    f"rule {rule.id}: a rule that tests the effective accountability cannot conclude "
                    f"{conclusion.kind}: the model and the matrix are settled before those facts exist",
                )

    def _no_derived_inside(self, rule: Rule, group: Group) -> None:
        for condition in group.conditions():
            if condition.derived and condition.fact in self.derived:  # an unknown name is reported once, below
                self.problems.add(
                    condition.location,
                    f"rule {rule.id}: the derived fact '{condition.fact}' can only be tested at the "
                    f"top level of 'when', not inside '{group.mode}'",
                )

    def _conclusion(self, rule: Rule, conclusion: Conclusion) -> None:
        conclusion_kind = kind(conclusion.kind)
        for problem in conclusion_kind.check(conclusion.payload, self.pack):
            self.problems.add(conclusion.location, f"rule {rule.id}: {problem}")
        for text in conclusion_kind.texts(conclusion.payload):
            self._placeholders(rule, conclusion.location, text)

    def _placeholders(self, rule: Rule, where: Location, text: str) -> None:
        for name in PLACEHOLDER.findall(text):
            if name not in self.placeholders:
                self.problems.add(
                    where,
                    f"rule {rule.id}: unknown placeholder {{{name}}}{did_you_mean(name, self.placeholders)}",
                )
