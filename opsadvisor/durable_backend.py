"""The RuleBackend on durable_rules: the only module that knows durable_rules or imports it.

Rules compile to durable_rules' JSON rule language, and facts are encoded to match them (one service
at a time, in a session that holds nothing else):
- one service fact `{"t": "s", ...}`: scalar facts under their name ('.' becomes '_'); a set fact
  becomes one true/false flag per possible value (`regulations__sox`), so "contains" and "lacks"
  are plain equality tests and a missing set has no flags at all. Scenario values are typed by the
  contract and every operand is checked against the fact's kind, so they are compared as they are;
- one evidence fact `{"t": "e", ...}` for a service with evidence from its records (opsadvisor/evidence.py),
  its facts under their names like the service fact's: a fact of its own, so that the thresholds rules
  test on it hang below a node of their own in the native network (one more test below the service
  fact's first node would take the default pack past the depth one ruleset can match, see MAX_STACK).
  A rule tests the evidence at the top of its `when` (or in all-groups): `limit` refuses it in an any group;
- one fact per derived value `{"t": "d", "n": name, "v": "<type>:<value>"}`, asserted by rule
  actions. durable_rules compares loosely across types (`true` equals `"true"`, `1` and `"1"`) and
  strings on their first 65,535 characters only, so a derived value is encoded with its type
  (`b:true`, `i:1`, `s:text`) and a long one as the hash of that (`h:<sha256>`): equal encodings,
  equal values.
Every condition tests `t`, so no other fact can ever match it.

The module drives the engine's native core (the C Rete network that `durable.engine` wraps)
directly, one session at a time: assert the facts, run the agenda in this thread until it is empty,
then retract every fact the session stored, which leaves it empty for the next service. That avoids
the traps listed in shared/notes/durable-rules.md that live in durable's Python host: no timer
threads (actions never run elsewhere), no action errors swallowed into the session state (they are
raised), and never more than one live session (a ruleset allows 1,024). The session is emptied rather
than deleted because a new one costs more than the whole match of a service: in durable_rules 2.0.28,
creating a session clears about 8 KB of frame index per join node of the ruleset (state.c,
createStateNode) and deleting it walks them again, where retracting a service's facts is one call
(docs/batch.md, Performance, has the figures). A session whose run failed is deleted (the next run opens a new one), so
no fact can outlive the service that asserted it. The other traps handled here: a ruleset must
complete one action before a session may be deleted (the warm-up), a rule fires once per `$or`
branch that holds (deduplicated in `_CompiledRules`), and a native ruleset outlives the Python
object that created it unless deleted (done when the object is collected).

One native ruleset has hard limits (measured on durable_rules 2.0.28, read in its rete.c; the
constants below): at most 512 distinct tests may follow one test (the 513th makes `create_ruleset`
loop forever), 128 `$or` branches or "missing" tests on one test (error 107), 256 rules ending on the
same test (error 108), 4,096 rules (error 106); one fact match holds at most 31 `$and`/`$or` entries
(each costs 2; error 113) and a rule joins at most 16 facts (error 304, when asserting). So rules are
spread over as many rulesets as a model of those counts needs (`_partition`; the default pack fits
in one), run as one network whose agenda takes the next rule across all of them in the order one
ruleset would (priority, then pack order); a derived fact is asserted into every ruleset with a rule
that tests it, so rules chain across rulesets (and only there, and only with a value some rule there
tests, or any value: the native core takes no other, so asserting it would cost a call and change nothing;
most of the second stage's 28 matrix cells hold a party no rule tests). A rule whose conditions do
not fit one fact match is matched against copies of the service fact (`{"t": "s1", ...}`), one part
each; what still does not fit is reported by `limit` (and `rules check`) before anything runs. How a pack's
rules spread, and which facts go where, is its network's _Plan: made once and kept in the cache folder
beside the compiled pack, so the next process with the same rules only builds the native rulesets.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import Any, NamedTuple, cast

import durable_rules_engine as native
import orjson

from .backend import Case, EngineResult, Firing, Item, firing
from .contract import FACTS
from .errors import EngineError, RulesError
from .evidence import EVIDENCE_FACTS
from .facts import Facts, FactValue
from .rulepack import snapshot
from .rulepack.ir import Condition, Group, Rule
from .yamlload import cache_dir

SERVICE = "s"
DERIVED = "d"
EVIDENCE = "e"
SERVICE_ALIAS = "s"

# Limits of one native ruleset (see the module docstring), with a margin where a count is modelled.
MAX_EXPRESSION = 31  # `$and`/`$or` entries in one fact match (each costs 2)
MAX_FACTS_JOINED = 16  # fact matches (aliases) in one rule
MAX_FOLLOWING = 500  # distinct tests following one test (512: endless loop)
MAX_BRANCHES = 120  # `$or` branches and "missing" tests on one test (128)
MAX_ENDING = 250  # rules ending on one test (256)
MAX_RULES = 4000  # rules in one ruleset (4,096)
MAX_STACK = 60  # tests waiting to be visited while one fact is matched (64: error 303, when asserting)
LONG_VALUE = 1024  # longer encoded derived values are hashed
MAX_TEXTS = 4096  # derived facts whose JSON is kept

# --- facts ----------------------------------------------------------------------------------------


def fact_key(name: str) -> str:
    return name.replace(".", "_")


def flag_key(name: str, value: str) -> str:
    return f"{fact_key(name)}__{value}"


# Per fact: its key, and for a set fact its (value, flag key) pairs; computed once (the hot path). The
# evidence facts are encoded on the evidence fact instead.
Encoding = dict[str, tuple[str, tuple[tuple[str, str], ...] | None]]
_ENCODING: Encoding = {
    name: (fact_key(name), tuple((option, flag_key(name, option)) for option in spec.values) if spec.is_set else None)
    for name, spec in FACTS.items()
    if name not in EVIDENCE_FACTS
}
_EVIDENCE_KEYS = {name: fact_key(name) for name in EVIDENCE_FACTS}


def encoding_for(keys: Set[str]) -> Encoding:
    """The service fact's encoding cut to the keys and flags some rule tests: the native core parses and
    stores every key of a fact it is given, and one that no rule tests cannot change what fires."""
    encoding: Encoding = {}
    for name, (key, flags) in _ENCODING.items():
        if flags is None:
            if key in keys:
                encoding[name] = (key, None)
        elif tested := tuple((option, flag) for option, flag in flags if flag in keys):
            encoding[name] = (key, tested)
    return encoding


def encode_service(values: Mapping[str, FactValue], encoding: Encoding = _ENCODING) -> dict[str, Any]:
    """The service fact as durable_rules sees it (without its sid), the evidence facts left out, and of
    the others those in the encoding (by default all)."""
    encoded: dict[str, Any] = {"t": SERVICE}
    for name, value in values.items():
        found = encoding.get(name)
        if found is None:
            continue  # an evidence fact (encode_evidence), or one no rule tests
        key, flags = found
        if flags is None:
            encoded[key] = value
        else:
            present = set(cast("tuple[str, ...]", value))  # a set fact (it has flags) holds a tuple of its options
            for option, flag in flags:
                encoded[flag] = option in present
    return encoded


# Evidence always says how many days it covers: a service has evidence when it has this fact.
_EVIDENCE_PRESENT = "evidence.days"


def encode_evidence(values: Mapping[str, FactValue]) -> dict[str, Any]:
    """The evidence fact as durable_rules sees it (without its sid)."""
    encoded: dict[str, Any] = {"t": EVIDENCE}
    for name, key in _EVIDENCE_KEYS.items():
        if name in values:
            encoded[key] = values[name]
    return encoded


def encode_facts(
    values: Mapping[str, FactValue], partial: bool = False, encoding: Encoding = _ENCODING
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The service fact (see encode_service for `encoding`), and the evidence fact when the service has
    evidence (else None). A service's evidence always has its period (one lookup, the hot path); `partial`
    facts (a case of explain or rules check) may hold any evidence fact alone."""
    present = any(name in values for name in _EVIDENCE_KEYS) if partial else _EVIDENCE_PRESENT in values
    return encode_service(values, encoding), encode_evidence(values) if present else None


def is_evidence(condition: Condition) -> bool:
    return condition.fact in EVIDENCE_FACTS


def encode_value(value: Any) -> str:
    """A derived value as the engine compares it: its type and its whole value (see the module docstring)."""
    if isinstance(value, bool):
        typed = "b:true" if value else "b:false"
    elif isinstance(value, int):
        typed = f"i:{value}"
    else:
        typed = f"s:{value}"
    if len(typed) <= LONG_VALUE:
        return typed
    return "h:" + hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()


def encode_derived(name: str, value: Any) -> dict[str, Any]:
    return {"t": DERIVED, "n": name, "v": encode_value(value)}


# --- rules ----------------------------------------------------------------------------------------


def _any_of(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _all_of(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _scalar_test(condition: Condition) -> dict[str, Any]:
    key = fact_key(condition.fact)
    operand = condition.operand
    test = condition.test
    if test == "exists":
        return {"$ex" if operand else "$nex": {key: 1}}
    if test == "equals":
        return {key: operand}
    if test == "in":
        return _any_of([{key: value} for value in operand])
    if test == "not":
        return {"$neq": {key: operand}}
    if test == "not_in":
        return _all_of([{"$neq": {key: value}} for value in operand])
    if test in ("at_least", "at_most"):
        values = FACTS[condition.fact].values
        index = values.index(operand)
        chosen = values[index:] if test == "at_least" else values[: index + 1]
        return _any_of([{key: value} for value in chosen])
    return {f"${test}": {key: operand}}  # gt, gte, lt, lte


def _set_test(condition: Condition) -> dict[str, Any]:
    name = condition.fact
    options = FACTS[name].values
    operand = condition.operand
    test = condition.test
    if test == "exists":
        return {"$ex" if operand else "$nex": {flag_key(name, options[0]): 1}}
    if test == "contains":
        return {flag_key(name, operand): True}
    if test == "lacks":
        return {flag_key(name, operand): False}
    if test == "contains_any":
        return _any_of([{flag_key(name, value): True} for value in operand])
    if test == "contains_all":
        return _all_of([{flag_key(name, value): True} for value in operand])
    # empty: true -> no flag set; empty: false -> some flag set
    if operand:
        return _all_of([{flag_key(name, value): False} for value in options])
    return _any_of([{flag_key(name, value): True} for value in options])


def _service_test(condition: Condition) -> dict[str, Any]:
    if FACTS[condition.fact].is_set:
        return _set_test(condition)
    return _scalar_test(condition)


def _service_tests(group: Group) -> list[dict[str, Any]]:
    """The tests of an all-group's scenario conditions, nested all-groups flattened into it, so they can
    be split over fact matches (derived facts are matched apart)."""
    tests: list[dict[str, Any]] = []
    for item in group.items:
        if isinstance(item, Group) and item.mode == "all":
            tests.extend(_service_tests(item))
        elif isinstance(item, Group):
            # a group nested in a group holds groups (yaml_front._nested, the decision tables' regions)
            parts = [_service_expression(cast(Group, child)) for child in item.items]
            present = [part for part in parts if part is not None]
            if present:
                tests.append(_any_of(present) if item.mode == "any" else _all_of(present))
        elif not item.derived and not is_evidence(item):
            tests.append(_service_test(item))
    return tests


def _service_expression(group: Group) -> dict[str, Any] | None:
    tests = _service_tests(group)
    return _all_of(tests) if tests else None


def _derived_test(condition: Condition) -> dict[str, Any]:
    tests: list[dict[str, Any]] = [{"t": DERIVED}, {"n": condition.fact}]
    if condition.test == "equals":
        tests.append({"v": encode_value(condition.operand)})
    elif condition.test == "in":
        tests.append(_any_of([{"v": encode_value(value)} for value in condition.operand]))
    return {"$and": tests}


def _derived_alias(index: int) -> str:
    return f"d{index}"


def _derived_conditions(rule: Rule) -> list[Condition]:
    """The top-level derived-fact conditions, in the order compile_rule gives them aliases."""
    return [item for item in rule.when.items if isinstance(item, Condition) and item.derived]


def _service_match(expression: dict[str, Any] | None) -> dict[str, Any]:
    service = {"t": SERVICE}
    return {SERVICE_ALIAS: {"$and": [service, expression]} if expression else service}


def _part_tag(index: int) -> str:
    """The type (and alias) of the service fact's copy that part `index` of a split rule matches."""
    return SERVICE if index == 0 else f"{SERVICE}{index}"


def expression_size(expression: dict[str, Any]) -> int:
    """How much of a fact match's expression budget (MAX_EXPRESSION) a compiled test uses: 2 per
    `$and` and `$or` (they appear only as keys: values are typed or from closed vocabularies)."""
    text = json.dumps(expression)
    return 2 * (text.count('"$and"') + text.count('"$or"'))


def _service_matches(tests: list[dict[str, Any]], required: bool) -> list[dict[str, Any]]:
    """Scenario tests as one fact match (none when there are no tests and none is `required`), or split
    over copies of the service fact when they do not fit one (each part within MAX_EXPRESSION unless
    one test alone is bigger)."""
    whole = _service_match(_all_of(tests) if tests else None)
    if expression_size(whole) <= MAX_EXPRESSION:
        return [whole] if tests or required else []
    parts: list[list[dict[str, Any]]] = [[]]
    used = 2  # each part's own $and
    for test in tests:
        size = expression_size(test)
        if parts[-1] and used + size > MAX_EXPRESSION:
            parts.append([])
            used = 2
        parts[-1].append(test)
        used += size
    return [{_part_tag(index): {"$and": [{"t": _part_tag(index)}, *part]}} for index, part in enumerate(parts)]


def _evidence_conditions(group: Group) -> list[Condition]:
    """The evidence conditions of a group's top level and of its nested all-groups."""
    found: list[Condition] = []
    for item in group.items:
        if isinstance(item, Group) and item.mode == "all":
            found += _evidence_conditions(item)
        elif isinstance(item, Condition) and is_evidence(item):
            found.append(item)
    return found


def _evidence_match(conditions: list[Condition]) -> list[dict[str, Any]]:
    """The match of the evidence fact for these conditions (none without any)."""
    if not conditions:
        return []
    return [{EVIDENCE: {"$and": [{"t": EVIDENCE}, *(_scalar_test(condition) for condition in conditions)]}}]


def _group_matches(group: Group, required: bool) -> list[dict[str, Any]]:
    """A group's scenario tests (the service fact's match, or its copies') and its evidence tests."""
    evidence = _evidence_conditions(group)
    return [*_service_matches(_service_tests(group), required=required and not evidence), *_evidence_match(evidence)]


def compile_rule(rule: Rule) -> dict[str, Any]:
    """The durable_rules definition of one rule (without its action): the service fact (or its copies,
    see _service_matches), the evidence fact when the rule tests evidence, then one derived fact per
    top-level derived condition (aliases d0, d1, ...)."""
    derived = _derived_conditions(rule)
    matches = _group_matches(rule.when, required=not derived)
    for index, condition in enumerate(derived):
        matches.append({_derived_alias(index): _derived_test(condition)})
    return {"all": matches, "pri": rule.priority}


def limit(rule: Rule) -> str:
    """Why durable_rules cannot take the rule as written, or '' when it can (see the module docstring)."""
    nested = _evidence_in_any(rule.when)
    if nested:
        return (
            f"tests the evidence fact {nested} inside an 'any' group, and the evidence is matched as a fact of "
            "its own: test evidence at the top of `when`, and write the alternatives as rules (or rows) of their own"
        )
    return _limit(compile_rule(rule))


def _evidence_in_any(group: Group, inside: bool = False) -> str:
    """The first evidence fact a group tests inside an any group, or ''."""
    for item in group.items:
        if isinstance(item, Group):
            found = _evidence_in_any(item, inside or item.mode == "any")
            if found:
                return found
        elif inside and is_evidence(item):
            return item.fact
    return ""


def _limit(definition: dict[str, Any]) -> str:
    matches = definition["all"]
    if len(matches) > MAX_FACTS_JOINED:
        return (
            f"joins {len(matches)} facts and durable_rules joins at most {MAX_FACTS_JOINED} in one rule: "
            "test fewer derived facts, or split the rule"
        )
    size = max(expression_size(match) for match in matches)
    if size > MAX_EXPRESSION:
        return (
            f"one of its 'any' groups compiles to an expression of size {size} and durable_rules allows "
            f"{MAX_EXPRESSION} (each any/all group and each list of values costs 2): split that group's "
            "alternatives over two rules"
        )
    return ""


def compile_item(item: Item) -> dict[str, Any]:
    """A definition (without action) that holds when one top-level item of a rule's `when` holds.

    The item compiles exactly as inside compile_rule, so "this condition held" is durable_rules'
    answer, not a second evaluator's.
    """
    if isinstance(item, Condition) and item.derived:
        return {"all": [{_derived_alias(0): _derived_test(item)}]}
    return {"all": _group_matches(Group("all", (item,)), required=True)}


# --- spreading definitions over rulesets ----------------------------------------------------------

_OPERATORS = ("$lt", "$lte", "$gt", "$gte", "$neq", "$ex", "$nex")


class _Capacity:
    """A model of one native ruleset's alpha network (rete.c: createAlpha, findAlpha, linkAlpha), to
    count what its fixed-size tables hold: tests following a test, `$or` branches and "missing" tests
    on a test, rules ending on a test, and rules; and how deep the stack of tests to visit can grow
    while one fact is matched (events.c: handleAlpha). Identical tests under the same test are shared."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[Any, ...], int] = {}
        self._count = itertools.count(1)  # 0 is the root
        # node -> its children: (child, the property of an equality test, of which one child per
        # property can match a fact; None for any other test, a "missing" test or an `$or` link)
        self._children: dict[int, list[tuple[int, str | None]]] = {}
        self.following: Counter[int] = Counter()
        self.branches: Counter[int] = Counter()
        self.ending: Counter[int] = Counter()
        self.rules = 0
        self.add(_WARM_UP_DEFINITION)

    def add(self, definition: dict[str, Any]) -> bool:
        """Take the definition if every table still fits it; else change nothing and say no."""
        nodes: dict[tuple[Any, ...], int] = {}
        edges: list[tuple[int, int, str | None]] = []
        following: Counter[int] = Counter()
        branches: Counter[int] = Counter()
        ending: Counter[int] = Counter()

        def node(parent: int, expression: dict[str, Any]) -> int:
            ((key, value),) = expression.items()
            if key == "$and":
                for element in value:
                    parent = node(parent, element)
                return parent
            if key == "$or":
                forward = next(self._count)  # a new forward node each time, never shared
                for element in value:
                    branch = node(parent, element)
                    branches[branch] += 1
                    edges.append((branch, forward, None))
                return forward
            operator, ((name, operand),) = (key, value.items()) if key in _OPERATORS else ("$eq", ((key, value),))
            identity = (parent, name, operator, type(operand), operand)  # True == 1, but not to rete.c
            found = self._nodes.get(identity) or nodes.get(identity)
            if found:
                return found
            nodes[identity] = created = next(self._count)
            (branches if operator == "$nex" else following)[parent] += 1
            edges.append((parent, created, name if operator == "$eq" else None))
            return created

        for match in definition["all"]:
            ending[node(0, next(iter(match.values())))] += 1
        fits = (
            self.rules < MAX_RULES
            and all(self.following[key] + count <= MAX_FOLLOWING for key, count in following.items())
            and all(self.branches[key] + count <= MAX_BRANCHES for key, count in branches.items())
            and all(self.ending[key] + count <= MAX_ENDING for key, count in ending.items())
        )
        if fits:
            self._nodes.update(nodes)
            for parent, child, name in edges:
                self._children.setdefault(parent, []).append((child, name))
            self.following.update(following)
            self.branches.update(branches)
            self.ending.update(ending)
            self.rules += 1
        return fits

    def stack(self) -> int:
        """At most how many tests wait on the stack while a fact is matched: along every path, each
        test adds the children that can match together (one equality per property, every other)."""
        depth: dict[int, int] = {}

        def deepest(node: int) -> int:
            if node not in depth:
                children = self._children.get(node, [])
                width = len({name for _, name in children if name is not None})
                width += sum(name is None for _, name in children)
                depth[node] = width + max((deepest(child) for child, _ in children), default=0)
            return depth[node]

        return deepest(0)


def _holds(definitions: list[dict[str, Any]]) -> bool:
    """Whether one ruleset can hold all these definitions."""
    capacity = _Capacity()
    return all(capacity.add(definition) for definition in definitions) and capacity.stack() <= MAX_STACK


def _partition(definitions: dict[str, dict[str, Any]]) -> list[dict[str, dict[str, Any]]]:
    """The definitions, in order, in as few consecutive groups as one ruleset each can hold.

    Each group is the longest run from where the last one ended that `_holds` (found by doubling,
    then bisecting: O(n log n) model building), after one try of all of them (a pack one ruleset holds,
    as the default pack: one model built, not seven, at every process's start). One rule alone
    always fits: its own counts are far below every limit (a rule's expression size and joins are
    checked by `limit` first)."""
    items = list(definitions.items())
    values = [definition for _, definition in items]
    if _holds(values):
        return [definitions]
    groups = []
    start = 0
    while start < len(items):
        good, size = 1, 2
        while start + good < len(items) and _holds(values[start : start + min(size, len(items) - start)]):
            good, size = min(size, len(items) - start), size * 2
        bad = min(size, len(items) - start + 1)
        while bad - good > 1:
            middle = (good + bad) // 2
            good, bad = (middle, bad) if _holds(values[start : start + middle]) else (good, middle)
        groups.append(dict(items[start : start + good]))
        start += good
    return groups


def _keys_named(expression: dict[str, Any]) -> set[str]:
    """The fact keys a compiled expression tests (see _scalar_test and _set_test for its shapes)."""
    keys: set[str] = set()
    for key, value in expression.items():
        if key in ("$and", "$or"):
            for part in value:
                keys |= _keys_named(part)
        elif key.startswith("$"):
            keys |= _keys_named(value)
        else:
            keys.add(key)
    return keys


def _route(match: dict[str, Any]) -> str:
    """Which facts a fact match takes: a service fact (or copy) by type, a derived fact by name."""
    expression = next(iter(match.values()))
    tests = expression.get("$and", [expression])
    kind = tests[0]["t"]
    return f"{DERIVED}:{tests[1]['n']}" if kind == DERIVED else kind


def _tested_values(match: dict[str, Any]) -> set[str] | None:
    """The encoded values a derived fact match tests (see _derived_test), or None when it takes any."""
    tests = next(iter(match.values()))["$and"]
    if len(tests) < 3:
        return None
    value = tests[2]
    return {value["v"]} if "v" in value else {test["v"] for test in value["$or"]}


def _takes(values: tuple[str, ...] | None, value: str) -> bool:
    return values is None or value in values


def _joins(match: dict[str, Any]) -> bool:
    """Whether a fact match takes derived facts (whose values the rule's action reads)."""
    return _route(match).startswith(f"{DERIVED}:")


def _name_of(message: str) -> str:
    """The rule an action message (`{"<rule>": {...}}`) is for, read without decoding the message: rule
    ids are plain (rulepack.RULE_ID: no quote, no escape), so the name is the text up to its closing quote."""
    return message[2 : message.index('"', 2)]


# --- the native core ------------------------------------------------------------------------------

# What the native assert calls answer first (see durable/engine.py, Ruleset._handle_result); the
# other answers (1: no rule wants the fact, 2: the same fact is already known) mean nothing to do.
_HANDLED = 0
_SESSION = "0"  # the one session of each ruleset, emptied after each run (see the module docstring)
_CLOSING = f', "sid": "{_SESSION}"}}'  # how a fact's JSON ends in the session (see _Network._prepare)
_WARM_UP = "~warm-up"
_WARM_UP_RULE = "_warm_up"
_WARM_UP_DEFINITION = {"all": [{"w": {"t": _WARM_UP}}]}

# A fact as the native core reads it: json.dumps(fact, ensure_ascii=False), its encoder made once (not
# per call: a service fact is encoded for every service).
_FACT_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _service_json(fact: dict[str, Any]) -> str:
    """A service (or evidence) fact as the native core reads it: orjson's compact JSON, about ten times
    faster than json's for the 30-odd keys asserted once per service (the same fact to the engine: it is
    parsed, never compared as text; a derived fact's text is, see _matched). A count past 64 bits, which
    orjson refuses, is left to json."""
    try:
        return orjson.dumps(fact).decode()
    except orjson.JSONEncodeError:
        return _FACT_JSON(fact)


# An action gets the facts its rule matched (by alias) and a function that asserts a new fact.
Action = Callable[[dict[str, Any], Callable[[dict[str, Any]], None]], None]
_ruleset_numbers = itertools.count(1)


class _Ruleset:
    """One native durable_rules ruleset: asserts, and the agenda of one session, step by step."""

    def __init__(self, text: str) -> None:
        """`text`: its definitions with the warm-up rule's, in JSON (_Plan.rulesets)."""
        name = f"opsadvisor_{next(_ruleset_numbers)}"
        self.handle = native.create_ruleset(name, text)
        # The native ruleset (memory of its own, and one of 131,071 handles) lives
        # until deleted, whatever becomes of this object: delete it with the object. Measured on
        # durable_rules 2.0.28: memory stays flat over 400 built and dropped rulesets. Not at exit:
        # the process frees everything then.
        weakref.finalize(self, native.delete_ruleset, self.handle).atexit = False
        # Measured on durable_rules 2.0.28: until a ruleset has completed one action, deleting a
        # session in it crashes the process (segfault or 'free(): invalid pointer'), which a service
        # that no rule matches would hit. One throw-away action first avoids it.
        state = self.assert_fact(json.dumps({"t": _WARM_UP, "sid": _WARM_UP}))
        if state is None or not self.start(state) or self.complete(state):
            raise EngineError("durable_rules", ["the warm-up rule did not fire exactly once"])
        native.delete_state(self.handle, _WARM_UP)

    def assert_fact(self, fact: str) -> int | None:
        """The session's state handle when the fact (JSON) was taken in; None if no rule wants it or it is known."""
        code, *rest = native.assert_fact(self.handle, fact)
        return rest[0] if code == _HANDLED else None

    def start(self, state: int) -> str | None:
        """The session's next action (JSON), started; None when its agenda is empty."""
        started = native.start_action_for_state(self.handle, state)
        return started[1] if started else None

    def complete(self, state: int) -> str | None:
        """Complete the started action and start the next one, if any."""
        return native.complete_and_start_action(self.handle, state) or None


class _Plan(NamedTuple):
    """A network's layout, made from its definitions alone (`_plan`): plain data, so that it is kept in the
    cache (rulepack.snapshot) and the next process with the same rules skips the limits, the capacity model
    and the routes (about half of the network's building: benchmarks/startup.py)."""

    rulesets: tuple[str, ...]  # each native ruleset's definitions, the warm-up rule's with them, in JSON
    routes: dict[str, list[int]]  # the rulesets a fact goes to: by type, a derived fact by `d:<name>`
    # Per derived fact and ruleset, the values its rules test (None: some rule takes any value). A fact
    # of another value matches no test there: the native core would not take it, so it is not asserted.
    values: dict[tuple[str, int], tuple[str, ...] | None]
    keys: tuple[str, ...]  # of the service fact (and evidence fact), the keys some rule tests
    order: dict[str, tuple[int, int]]  # a rule's place on the agenda: (priority, definition order)
    # Rules whose action reads the facts it matched: those joining derived facts, by the aliases of
    # those. The others' action messages are not read (the rule's name leads them; see _name_of).
    joining: dict[str, tuple[str, ...]]


def _plan(definitions: dict[str, dict[str, Any]]) -> _Plan:
    """The definitions spread over as many rulesets as they need (`_partition`), and what the network
    needs to know of them."""
    groups = _partition(definitions)
    routes: dict[str, list[int]] = {}
    values: dict[tuple[str, int], set[str] | None] = {}
    keys: set[str] = set()
    for index, group in enumerate(groups):
        for definition in group.values():
            for match in definition["all"]:
                route = _route(match)
                places = routes.setdefault(route, [])
                if index not in places:
                    places.append(index)
                if route.startswith(f"{DERIVED}:"):
                    tested = _tested_values(match)
                    known = values.setdefault((route, index), set())
                    values[(route, index)] = None if tested is None or known is None else known | tested
                else:
                    keys |= _keys_named(next(iter(match.values())))
    return _Plan(
        rulesets=tuple(json.dumps({**group, _WARM_UP_RULE: _WARM_UP_DEFINITION}) for group in groups),
        routes=routes,
        values={place: None if tested is None else tuple(sorted(tested)) for place, tested in values.items()},
        keys=tuple(sorted(keys)),
        order={name: (d.get("pri", 0), position) for position, (name, d) in enumerate(definitions.items())},
        joining={
            name: tuple(next(iter(match)) for match in d["all"] if _joins(match))
            for name, d in definitions.items()
            if any(_joins(match) for match in d["all"])
        },
    )


def _kept_plan(definitions: dict[str, dict[str, Any]]) -> tuple[_Plan | None, str]:
    """The plan kept for these definitions, under these limits, by an earlier process (None when there is
    none), and its key ("" when the definitions cannot be keyed: then none is kept)."""
    folder = cache_dir()
    if folder is None:
        return None, ""
    limits = (MAX_EXPRESSION, MAX_FACTS_JOINED, MAX_FOLLOWING, MAX_BRANCHES, MAX_ENDING, MAX_RULES, MAX_STACK)
    try:
        key = snapshot.content_key("network", orjson.dumps([limits, definitions]))
    except orjson.JSONEncodeError:  # a number past 64 bits: no plan kept
        return None, ""
    kept = snapshot.read_kept(folder, "network", key)
    if not isinstance(kept, tuple) or len(kept) != len(_Plan._fields):
        return None, key
    plan = _Plan(*kept)
    # What the key promises, checked where it costs little: the same rules in their order, no ruleset unknown.
    rulesets = range(len(plan.rulesets))
    if list(plan.order) != list(definitions) or not all(
        index in rulesets for places in plan.routes.values() for index in places
    ):
        return None, key
    return plan, key


class _Network:
    """Definitions spread over as many rulesets as they need (their _Plan), run as one: facts go to
    the rulesets that match them, and the agenda takes the next action across all of them in the
    order one ruleset would (priority, then definition order). Actions run inline, in this thread."""

    def __init__(self, plan: _Plan, actions: dict[str, Action]) -> None:
        self._rulesets = [_Ruleset(text) for text in plan.rulesets]
        routes = self._routes = plan.routes
        self._values = plan.values
        self._copies = [_part_tag(index) for index in range(1, len(routes) + 1) if _part_tag(index) in routes]
        self._order = plan.order
        self._actions = actions
        self._joining = plan.joining
        # The derived facts some rule tests, by name: the engine takes no other derived fact.
        self.tested = frozenset(route[len(DERIVED) + 1 :] for route in routes if route.startswith(f"{DERIVED}:"))
        self._encoding = encoding_for(frozenset(plan.keys))
        # A derived fact's rulesets and JSON, session id in: the same few are asserted for every service, so
        # each is prepared once (bounded all the same); and back, the fact of its JSON (without the session id).
        self._prepared: dict[tuple[str, str], tuple[list[int], str]] = {}
        self._facts: dict[str, dict[str, Any]] = {}

    def _prepare(self, fact: dict[str, Any]) -> tuple[list[int], str]:
        """The rulesets with a rule testing the fact (none: the engine would not take it), and the fact
        as the native core reads it, in the session."""
        if fact["t"] != DERIVED:
            return self._routes.get(fact["t"], []), _service_json(fact)[:-1] + _CLOSING
        key = (fact["n"], fact["v"])
        prepared = self._prepared.get(key)
        if prepared is None:
            if len(self._prepared) >= MAX_TEXTS:
                self._prepared.clear()
                self._facts.clear()
            text = _FACT_JSON(fact)[:-1]
            self._facts[text] = fact
            route = f"{DERIVED}:{fact['n']}"
            places = [index for index in self._routes.get(route, []) if _takes(self._values[(route, index)], key[1])]
            prepared = self._prepared[key] = (places, text + _CLOSING)
        return prepared

    def _matched(self, message: str, name: str) -> dict[str, Any]:
        """The derived facts a joining rule's action message holds, by alias. The native core writes
        each matched fact's JSON into the message as it was asserted, so each is found by its text,
        up to the session's closing (a quote inside a JSON string is escaped: neither `"d0":` nor the
        closing can occur inside a value), without decoding the service fact around it. A text not
        found as asserted decodes the whole message."""
        matched = {}
        for alias in self._joining[name]:
            marker = f'"{alias}":'
            start = message.find(marker) + len(marker)
            end = message.find(_CLOSING, start)
            fact = self._facts.get(message[start:end]) if start >= len(marker) and end >= 0 else None
            if fact is None:
                return json.loads(message)[name]
            matched[alias] = fact
        return matched

    def service_facts(self, values: Mapping[str, FactValue], partial: bool = False) -> list[dict[str, Any]]:
        """The service fact, the copies that split rules match (see _service_matches), and the evidence fact
        (see encode_facts for `partial`)."""
        service, evidence = encode_facts(values, partial, self._encoding)
        return [service, *({**service, "t": tag} for tag in self._copies), *((evidence,) if evidence else ())]

    def session(self) -> _Session:
        """The network's session for one run (one at a time: see the module docstring), nothing asserted yet."""
        return _Session(self)

    def run(self, facts: Iterable[dict[str, Any]]) -> None:
        """Assert the facts in a session and run every action they trigger; then the session is empty again."""
        with self.session() as session:
            session.put_all(facts)
            session.chain()


class _Session:
    """One run's session in every ruleset of a network, step by step: `put` asserts facts, `chain` runs
    the actions they trigger until the agenda is empty, and leaving the `with` block retracts every
    fact the session stored (see the module docstring: the session is empty again), or deletes the
    session if anything failed, so that no fact outlives the run that asserted it."""

    def __init__(self, network: _Network) -> None:
        self._network = network
        self._prepare = network._prepare
        self._rulesets = network._rulesets
        self._handles = [ruleset.handle for ruleset in network._rulesets]
        self._stored: dict[int, list[str]] = {}  # ruleset -> the facts (JSON) it took in this run
        self._states: dict[int, int] = {}
        self._touched: set[int] = set()  # rulesets holding the session (an unwanted fact opens it too)
        self._waiting: set[int] = set()  # rulesets whose next action may have changed
        self._agenda: dict[int, tuple[tuple[int, int], str, dict[str, Any]]] = {}  # ruleset -> its next action

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if kind is not None:
            self._delete()
            return
        try:
            self._retract()
        except BaseException:
            self._delete()
            raise

    def put(self, fact: dict[str, Any]) -> None:
        """Assert a fact in the rulesets with a rule testing it (an action's way to assert what it derives)."""
        places, text = self._prepare(fact)
        for index in places:
            self._touched.add(index)
            code, state = native.assert_fact(self._handles[index], text)
            if code == _HANDLED:  # else no rule wants it (in this ruleset), or the session holds it already
                self._states[index] = state
                self._waiting.add(index)
                self._stored.setdefault(index, []).append(text)

    def put_all(self, facts: Iterable[dict[str, Any]]) -> None:
        for fact in facts:
            self.put(fact)

    def chain(self) -> None:
        """Run the next action across all rulesets until none is left (actions may put facts that
        start more)."""
        if len(self._rulesets) == 1:
            self._chain_one()
            return
        rulesets = self._rulesets
        states = self._states
        waiting = self._waiting
        agenda = self._agenda
        actions = self._network._actions
        put, take = self.put, self._take  # bound once: an action may run a few dozen times per chain
        while True:
            for index in waiting:
                if index in agenda:
                    native.abandon_action(rulesets[index].handle, states[index])
                take(index, rulesets[index].start(states[index]))
            waiting.clear()
            if not agenda:
                return
            index = min(agenda, key=lambda key: agenda[key][0]) if len(agenda) > 1 else next(iter(agenda))
            _, name, matched = agenda[index]
            try:
                actions[name](matched, put)
            except BaseException:
                native.abandon_action(rulesets[index].handle, states[index])
                raise
            waiting.discard(index)
            take(index, rulesets[index].complete(states[index]))

    def _chain_one(self) -> None:
        """`chain` for a network of one ruleset (most packs: the default one fits): its own agenda is the
        order, so each action's message is run as the native core starts it, no agenda kept beside it.
        Between chains nothing is started (the last `complete` started nothing), so the facts put since
        start the next action."""
        if not self._waiting:
            return
        self._waiting.clear()
        network = self._network
        actions, joining, matched_in = network._actions, network._joining, network._matched
        handle, state = self._handles[0], self._states[0]
        put, waiting = self.put, self._waiting
        started = native.start_action_for_state(handle, state)
        message = started[1] if started else None
        while message:
            name = _name_of(message)
            try:
                actions[name](matched_in(message, name) if name in joining else {}, put)
            except BaseException:
                native.abandon_action(handle, state)
                raise
            waiting.clear()  # what the action put is matched by the next start: complete_and_start_action
            message = native.complete_and_start_action(handle, state)

    def _take(self, index: int, message: str | None) -> None:
        """Put a ruleset's started action (its message) on the agenda, or take the ruleset off it."""
        if message:
            network = self._network
            name = _name_of(message)
            matched = network._matched(message, name) if name in network._joining else {}
            self._agenda[index] = (network._order[name], name, matched)
        else:
            self._agenda.pop(index, None)

    def _retract(self) -> None:
        """Retract the facts each ruleset stored in this run, one call per ruleset. A fact is known by
        the hash of its content, so the text it was asserted with finds it (the native core answers 0
        even for a fact it does not hold, and raises on a real error: then the session is deleted)."""
        for index, texts in self._stored.items():
            native.retract_facts(self._handles[index], f"[{','.join(texts)}]")

    def _delete(self) -> None:
        """Delete the session in every ruleset it touched (the next run opens a new one)."""
        for index in self._touched:
            native.delete_state(self._handles[index], _SESSION)


# --- the backend ----------------------------------------------------------------------------------


class _CompiledRules:
    """Rules compiled into a network; an action asserts its rule's derived facts, so rules chain."""

    def __init__(self, rules: Sequence[Rule], plan: _Plan) -> None:
        self._facts = Facts({}, ())  # the facts of the service being run
        self._fired: list[Firing] = []
        self._seen: set[tuple[str, tuple[Any, ...]]] = set()
        self._derived: list[tuple[str, Any]] = []
        self._joined = {rule.id: tuple(c.fact for c in _derived_conditions(rule)) for rule in rules}
        # Derived values come from the rules' own conclusions: an encoded value maps back to one value.
        self._decoded = {encode_value(value): value for rule in rules for _, value in rule.derives}
        self._asserted: dict[str, Any] = {}  # the values of this run's added facts (see add_derived), by encoding
        self._network = _Network(plan, {rule.id: self._action(rule) for rule in rules})

    def _action(self, rule: Rule) -> Action:
        derived = rule.derives
        facts = [encode_derived(name, value) for name, value in derived]
        aliases = [_derived_alias(index) for index, _ in enumerate(_derived_conditions(rule))]
        joined = self._joined[rule.id]
        decoded = self._decoded

        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            values = (
                tuple(decoded.get(code, self._asserted.get(code)) for code in (matched[a]["v"] for a in aliases))
                if aliases
                else ()
            )
            if (rule.id, values) in self._seen:
                # durable_rules fires once per branch of an $or that holds (e.g. two regulations
                # for `regulations: {empty: false}`); the same facts make one firing. The one place
                # firings are deduplicated: see EngineResult for what a caller can rely on.
                return
            self._seen.add((rule.id, values))
            self._fired.append(firing(rule, self._facts, dict(zip(joined, values, strict=True)) if values else {}))
            self._derived.extend(derived)
            for fact in facts:
                emit(fact)

        return action

    def session(self, facts: Facts) -> _RulesSession:
        """A session for one service (see backend.Session); this object keeps what the run fired."""
        self._facts = facts
        self._fired = []
        self._seen = set()
        self._derived = []
        self._asserted = {}
        return _RulesSession(self, self._network.session(), self._network.service_facts(facts.values))

    def run(self, facts: Facts) -> EngineResult:
        with self.session(facts) as session:
            return session.chain()

    def add_derived(self, pairs: Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
        """Count the (name, value) facts among this run's derived facts; the encoded facts to assert,
        of those some rule tests (the others would match nothing)."""
        pairs = list(pairs)
        self._derived += pairs
        tested = self._network.tested
        facts = [(encode_derived(name, value), value) for name, value in pairs if name in tested]
        self._asserted.update((fact["v"], value) for fact, value in facts)
        return [fact for fact, _ in facts]

    def result(self) -> EngineResult:
        return EngineResult(firings=tuple(self._fired), pairs=tuple(self._derived))


class _RulesSession:
    """backend.Session on durable_rules: facts wait until `chain` asserts them, so that any failure,
    in asserting as in an action, happens inside the `with` block that cleans the session up."""

    def __init__(self, rules: _CompiledRules, session: _Session, service: list[dict[str, Any]]) -> None:
        self._rules = rules
        self._session = session
        self._waiting = service

    def __enter__(self) -> _RulesSession:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        try:
            self._session.__exit__(kind, error, trace)
        except Exception as failure:  # retracting or deleting the session failed: durable_rules' error
            raise EngineError("durable_rules", [f"a rule action failed: {failure!r}"]) from failure

    def add(self, facts: Iterable[tuple[str, Any]]) -> None:
        self._waiting += self._rules.add_derived(facts)

    def chain(self) -> EngineResult:
        waiting, self._waiting = self._waiting, []
        try:
            self._session.put_all(waiting)
            self._session.chain()
        except Exception as error:  # a bug in an action or in durable_rules: never a silent gap
            raise EngineError("durable_rules", [f"a rule action failed: {error!r}"]) from error
        return self._rules.result()


class _CompiledItems:
    """One match-only definition per distinct compiled item (items that compile alike share it); its
    action records the items and asserts nothing."""

    def __init__(self, items: Sequence[Item]) -> None:
        self._held: set[int] = set()
        positions: dict[str, list[int]] = {}
        definitions: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(items):
            definition = compile_item(item)
            key = json.dumps(definition, sort_keys=True)
            if key not in positions:
                positions[key] = []
                definitions[f"i{len(definitions)}"] = definition
            positions[key].append(index)
        self._network = _Network(
            _plan(definitions),
            {name: self._action(indices) for name, indices in zip(definitions, positions.values(), strict=True)},
        )

    def _action(self, indices: list[int]) -> Action:
        def action(matched: dict[str, Any], emit: Callable[[dict[str, Any]], None]) -> None:
            self._held.update(indices)

        return action

    def matches(self, case: Case) -> frozenset[int]:
        self._held = set()
        derived = [encode_derived(name, value) for name, values in case.derived.items() for value in values]
        try:
            self._network.run([*self._network.service_facts(case.values, partial=True), *derived])
        except Exception as error:
            raise EngineError("durable_rules", [f"a match failed: {error!r}"]) from error
        return frozenset(self._held)


class DurableRules:
    """The RuleBackend on durable_rules (see the module docstring for how it is used)."""

    def compile(self, rules: Sequence[Rule]) -> _CompiledRules:
        """The rules' network: its plan kept by an earlier process for the same definitions (they passed the
        limits then), or checked against the limits and made, and kept."""
        definitions = {rule.id: compile_rule(rule) for rule in rules}
        plan, key = _kept_plan(definitions)
        if plan is None:
            problems = [
                f"{rule.location}: rule {rule.id}: {problem}"
                for rule in rules
                if (problem := _limit(definitions[rule.id]))
            ]
            if problems:
                raise RulesError("", problems)
            plan = _plan(definitions)
            if key:
                snapshot.write_kept(cache_dir(), "network", key, tuple(plan))
        return _CompiledRules(rules, plan)

    def compile_items(self, items: Sequence[Item]) -> _CompiledItems:
        return _CompiledItems(items)

    def limit(self, rule: Rule) -> str:
        return limit(rule)
