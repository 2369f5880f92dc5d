"""The scenario input contract (v1): every scenario field, declared once in FIELDS.

A field's row says everything the program knows about it: its spec node (type and vocabulary),
where it lands in the typed Scenario, the facts rules may test that it yields, its place and
question in the dialogue, and its example value. Everything else derives from the table: the
validator walks `scenario_spec()`, `opsadvisor schema` prints it as JSON Schema, the rule compiler
checks conditions against FACTS, the interview asks DIALOGUE, the CSV/XLSX columns and template are
the field paths and examples, and the generated docs list FACTS. Adding a scenario field is one
row here plus one typed attribute of `scenario.Scenario` (a test checks the two agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .dialogue.benefits import split_benefit
from .evidence import FACTS as EVIDENCE_FACTS
from .evidence import HANDLERS, HOLDERS, MAX_DAYS, TICKET_PROCESSES, UNMAPPED, Evidence

AMBITIONS = ("it_operated", "business_operated", "mixed", "undecided")
HOSTING = ("saas", "vendor_hosted", "on_premise", "cloud", "low_code_platform")
CONTRACT_OWNERS = ("it", "business", "none", "not_applicable")  # not_applicable: built in house, no third party
IT_ELEMENTS_OWNERS = ("it", "business", "none")
CURRENT_OPERATORS = ("it_ops", "business", "vendor", "mixed", "new")
INTEGRATION_TYPES = ("api", "file", "database", "sso", "event")
CRITICALITIES = ("low", "medium", "high", "critical")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
REGULATIONS = ("gdpr", "sox", "dora", "nis2", "hipaa", "pci_dss")
LIFECYCLES = ("pilot", "scaling", "mature", "retiring")
SUPPORT_HOURS = ("business_hours", "extended_hours", "24x7")  # ordered: each covers more of the week
LOW_CODE_TIERS = ("personal", "team", "business_important", "mission_critical")
CAPABILITIES = (
    "support_desk",
    "vendor_management",
    "change_control",
    "access_management",
    "licence_management",
    "continuity_planning",
)
PARTIES = ("it_ops", "it_delivery", "business")
UNDECIDED = "tbd"
NOT_APPLICABLE = "n/a"
APPLICATION_CELLS = (*PARTIES, UNDECIDED)
INTERFACE_CELLS = (*PARTIES, UNDECIDED, NOT_APPLICABLE)
COLUMNS = ("application", "interface")
# Who does a process's daily work (seed footnote: accountable does not mean doing the work).
PERFORMED_BY = "performed_by"
PERFORMERS = ("vendor", *PARTIES)
MODELS = ("A", "B", "C")
MODES = (1, 2)
SEVERITIES = ("low", "medium", "high")
MAX_TEXT = 2000
ACCEPTED_RISKS = "accepted_risks"
MITIGATIONS = "mitigations"

# Other names people use for a vocabulary value (besides its id and its label; case, spaces, '-' and '_'
# do not matter): what the interview, CSV/XLSX cells and JSON choice fields accept (opsadvisor/vocabulary.py).
# A synonym applies only in a vocabulary that holds its value and does not hold the synonym as an id.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "it_operated": ("IT", "IT operated", "operated by IT"),
    "business_operated": ("business", "operated by the business"),
    "mixed": ("hybrid", "both"),
    "undecided": ("unknown", "not decided", "tbd"),
    "saas": ("software as a service", "cloud service"),
    "vendor_hosted": ("hosted", "hosted by the vendor", "managed service"),
    "on_premise": ("on premises", "on prem", "on-prem", "in house", "data centre", "data center"),
    "cloud": ("iaas", "paas", "public cloud"),
    "low_code_platform": ("low code", "no code", "power platform"),
    "it": ("IT department",),
    "none": ("nobody", "no contract"),
    "not_applicable": ("n/a", "na", "built in house"),
    "it_ops": ("IT", "IT operations", "IT OPS", "operations"),
    "new": ("not live", "not yet live"),
    "it_delivery": ("IT Delivery", "delivery"),
    "tbd": ("t.b.d.", "to be decided", "open", "undecided"),
    "n/a": ("not applicable", "na"),
    "pci_dss": ("PCI DSS", "PCI", "PCI-DSS"),
    "gdpr": ("DSGVO", "RGPD", "AVG"),
    "nis2": ("NIS 2", "NIS-2"),
    "24x7": ("24/7", "24 x 7", "always"),
    "business_hours": ("office hours", "9 to 5"),
    "extended_hours": ("extended",),
    "restricted": ("secret", "strictly confidential"),
    "public": ("open data",),
    "low": ("minor",),
    "critical": ("very high", "mission critical"),
    "retiring": ("sunset", "decommissioning", "end of life"),
    "pilot": ("trial", "proof of concept", "poc"),
}
FLAG_WORDS: dict[bool, tuple[str, ...]] = {
    True: ("yes", "y", "true", "1", "x", "ja", "oui"),
    False: ("no", "n", "false", "0", "nein", "non"),
}


# --- spec nodes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A non-empty string (ids and names) or any string."""

    non_empty: bool = False
    max_length: int = MAX_TEXT


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Flag:
    pass


@dataclass(frozen=True)
class Count:
    minimum: int = 0
    maximum: int = 10**12


@dataclass(frozen=True)
class Date:
    pass


@dataclass(frozen=True)
class ListOf:
    item: Spec
    unique: bool = False


@dataclass(frozen=True)
class Record:
    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MapOf:
    """An object whose keys come from a fixed list (e.g. process ids)."""

    keys: tuple[str, ...]
    value: Spec


Spec = Text | Choice | Flag | Count | Date | ListOf | Record | MapOf


# A spec that depends on the rule pack in effect: (process ids, risk ids, role ids) -> spec node.
PackSpec = Callable[[tuple[str, ...], tuple[str, ...], tuple[str, ...]], Spec]
FactValue = str | bool | int | tuple[str, ...]
ValueOf = Callable[[str], Any]  # a service's value by dotted path (None when missing)


def get_path(document: Mapping[str, Any], path: str, missing: Any = None) -> Any:
    """The value at a dotted path of a document, or `missing` when any part is absent."""
    return get_parts(document, path.split("."), missing)


def get_parts(document: Mapping[str, Any], parts: Iterable[str], missing: Any = None) -> Any:
    """get_path with the path already split (the hot path: a batch reads every field of every entry)."""
    node: Any = document
    for part in parts:
        # a decoded document's objects are dicts: the cheap test first, the ABC's only for other mappings
        if not isinstance(node, (dict, Mapping)) or part not in node:
            return missing
        node = node[part]
    return node


# --- the typed records a scenario holds ---------------------------------------------------------


@dataclass(frozen=True)
class Integration:
    system: str
    type: str
    system_of_record: bool


@dataclass(frozen=True)
class AcceptedRisk:
    """One acceptance of a risk: by a role of the rule pack and a named person (`role`, `name`), dated and
    with a review date; or, in scenarios written before roles, by free text (`accepted_by`)."""

    risk: str
    accepted_by: str | None
    date: str | None
    role: str | None = None
    name: str | None = None
    review_by: str | None = None
    entry: str = ""  # where it is written, e.g. accepted_risks[2]: a report names an incomplete one by it


@dataclass(frozen=True)
class Mitigation:
    """A mitigation recorded for a risk: what is done about it, by whom, by when. It does not accept the risk."""

    risk: str
    action: str
    owner: str
    due: str


# --- the facts a rule may test -----------------------------------------------------------------


def same(value: Any) -> Any:
    """The value as it is: how most fields are built and most facts read (the hot paths skip calling it)."""
    return value


def _sorted(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(values))


@dataclass(frozen=True)
class FactSpec:
    """One fact rules can test. `kind` decides which tests apply (see docs/rules.md).

    `read` turns the value of the field that yields the fact (as the Scenario holds it, never None)
    into the fact's value; only closed vocabularies, flags and counts, never free text.
    """

    name: str
    kind: str  # "choice", "ordered", "flag", "number", "set"
    description: str
    values: tuple[str, ...] = ()
    read: Callable[[Any], FactValue | None] = same  # None: the field does not say (the fact is missing)
    minimum: int = 0  # a number's least value (days to a date may be negative)

    @property
    def is_set(self) -> bool:
        return self.kind == "set"


# --- the scenario fields -----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One scenario field: everything the program knows about it, in one place.

    - `path`: the dotted path in the document ("data.classification"); also its CSV/XLSX column.
    - `spec`: its contract node, or a PackSpec when its vocabulary comes from the rule pack.
    - `attr`: the `scenario.Scenario` attribute that holds it; `build` turns the JSON value into
      that attribute's value, and `default` is the JSON value an absent field is built from (None:
      the attribute is None, the fact is missing and, when asked, an open question).
    - `required`: the document must have it (its parent record then is required too).
    - `facts`: the facts rules may test that it yields (FACTS, in `listed` order).
    - `asked`: its place in the dialogue (the interview, open questions), lower first; None: never
      asked. `ask_if` limits asking to documents it holds for; `question` is the default question
      (a rule pack's `questions:` may reword it).
    - `example`: a JSON value for the CSV/XLSX template's example row.
    - `label`: its name in reports for people (tables, Markdown, the workshop pack), where JSON keeps `path`.
    """

    path: str
    spec: Spec | PackSpec
    attr: str
    example: Any
    build: Callable[[Any], Any] = same
    default: Any = None
    required: bool = False
    facts: tuple[FactSpec, ...] = ()
    listed: int = 0
    asked: int | None = None
    ask_if: Callable[[ValueOf], bool] | None = None
    question: str = ""
    label: str = ""  # how a report names it to a person (default: its last path segment, in words)
    column: bool = True  # a CSV/XLSX portfolio column (a record of records, such as evidence, is not)

    @property
    def normalised_in_json(self) -> bool:
        """Whether a JSON document's value may be given as a label or synonym (`PCI DSS` for `pci_dss`):
        choice fields and lists of choices; flags, counts and texts are taken as written. The JSON Schema
        says so (vocabulary.forgiving_schema)."""
        node = self.node()
        return isinstance(node, Choice) or (isinstance(node, ListOf) and isinstance(node.item, Choice))

    @property
    def words(self) -> str:
        """The field as a report names it: 'who operates it today' for current.operated_by."""
        return self.label or self.path.rsplit(".", 1)[-1].replace("_", " ")

    def node(
        self, process_ids: tuple[str, ...] = (), risk_ids: tuple[str, ...] = (), role_ids: tuple[str, ...] = ()
    ) -> Spec:
        """The field's spec node for a rule pack's process, risk and role ids."""
        return self.spec(process_ids, risk_ids, role_ids) if callable(self.spec) else self.spec

    def applies(self, value_of: ValueOf) -> bool:
        """Whether the field matters for a service (its `ask_if`), given the service's values by path."""
        return self.ask_if is None or self.ask_if(value_of)

    def asks(self, document: Mapping[str, Any]) -> bool:
        """Whether the dialogue asks this field of a document (all its earlier answers known)."""
        return self.asked is not None and self.applies(lambda path: get_path(document, path))


def _integrations(items: list[dict[str, Any]]) -> tuple[Integration, ...]:
    return tuple(Integration(item["system"], item["type"], item.get("system_of_record", False)) for item in items)


def _acceptances(items: list[dict[str, Any]]) -> tuple[AcceptedRisk, ...]:
    return tuple(
        AcceptedRisk(
            item["risk"],
            item.get("accepted_by"),
            item.get("date"),
            item.get("role"),
            item.get("name"),
            item.get("review_by"),
            f"{ACCEPTED_RISKS}[{index}]",
        )
        for index, item in enumerate(items)
    )


def _mitigations(items: list[dict[str, Any]]) -> tuple[Mitigation, ...]:
    return tuple(Mitigation(item["risk"], item["action"], item["owner"], item["due"]) for item in items)


def _decisions(value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Per process: the decided cells by column, and who performs the daily work (PERFORMED_BY), each optional."""
    return {process: dict(cells) for process, cells in value.items()}


def _decision_spec(process_ids: tuple[str, ...], risk_ids: tuple[str, ...], role_ids: tuple[str, ...]) -> Spec:
    """A decision record: the accountable party per column, and who performs the daily work."""
    return MapOf(
        process_ids,
        Record(
            {
                "application": Choice(APPLICATION_CELLS),
                "interface": Choice(INTERFACE_CELLS),
                PERFORMED_BY: Choice(PERFORMERS),
            }
        ),
    )


def _acceptance_spec(process_ids: tuple[str, ...], risk_ids: tuple[str, ...], role_ids: tuple[str, ...]) -> Spec:
    """An acceptance: the risk, the accepting role and person, the date and the review date (`opsadvisor
    accept` writes them); `accepted_by` is the free-text form of scenarios written before roles."""
    return ListOf(
        Record(
            {
                "risk": Choice(risk_ids),
                "role": Choice(role_ids),
                "name": Text(non_empty=True, max_length=200),
                "accepted_by": Text(non_empty=True, max_length=200),
                "date": Date(),
                "review_by": Date(),
            },
            required=("risk",),
        )
    )


def _mitigation_spec(process_ids: tuple[str, ...], risk_ids: tuple[str, ...], role_ids: tuple[str, ...]) -> Spec:
    """A mitigation of a risk: the action, its owner and its due date (`opsadvisor mitigate` writes them)."""
    return ListOf(
        Record(
            {
                "risk": Choice(risk_ids),
                "action": Text(non_empty=True, max_length=500),
                "owner": Text(non_empty=True, max_length=200),
                "due": Date(),
            },
            required=("risk", "action", "owner", "due"),
        )
    )


def _high_criticality(value_of: ValueOf) -> bool:
    """Support hours matter for a service the business depends on (practice: ITIL service level management)."""
    return value_of("criticality") in ("high", "critical")


def _vendor_and_high_criticality(value_of: ValueOf) -> bool:
    return _high_criticality(value_of) and value_of("vendor_run") is True


def _low_code(value_of: ValueOf) -> bool:
    return value_of("hosting") == "low_code_platform"


# How reports name the yes/no facts of the regulation and practice records.
FLAG_LABELS = {
    "dora.critical_function": "DORA: supports a critical or important function",
    "dora.register_entry": "DORA: entry in the register of information",
    "dora.exit_strategy": "DORA: exit strategy",
    "dora.contract_clauses": "DORA: Art. 30(2) contract clauses",
    "dora.pre_contract_assessment": "DORA: pre-contract assessment of the provider",
    "dora.critical_clauses": "DORA: Art. 30(3) clauses for a critical function",
    "dora.concentration_assessment": "DORA: concentration risk assessed",
    "dora.continuity_plan": "DORA: ICT continuity plan, tested yearly",
    "dora.incident_reporting": "DORA: major incidents reported to the authority",
    "dora.contract_owner_assigned": "DORA: contract owner assigned in the third-party framework",
    "sox.soc1_report": "SOX: the vendor's SOC 1 Type 2 report",
    "sox.key_controls_owner": "SOX: an owner for the key controls",
    "sox.cuecs_owned": "SOX: owners for the user entity controls",
    "sox.soc1_reviewed": "SOX: the SOC 1 report reviewed every year",
    "gdpr.dpa": "GDPR: data-processing agreement",
    "gdpr.processing_record": "GDPR: record of processing",
    "gdpr.high_risk": "GDPR: high-risk processing",
    "gdpr.dpia": "GDPR: data protection impact assessment",
    "gdpr.transfers_outside_eea": "GDPR: transfers outside the EEA",
    "gdpr.transfer_safeguards": "GDPR: safeguards for those transfers",
    "gdpr.security_of_processing": "GDPR: security of processing (Art. 32)",
    "gdpr.breach_notification": "GDPR: breach notification within 72 hours",
    "hipaa.phi": "HIPAA: the vendor handles protected health information",
    "hipaa.baa": "HIPAA: business associate agreement",
    "nis2.incident_reporting": "NIS2: significant incidents reported in time",
    "pci.responsibilities_assigned": "PCI DSS: responsibilities documented and assigned",
    "security.sso_mfa": "single sign-on and MFA",
    "security.central_logging": "logging to the central monitoring",
    "security.vulnerability_management": "vulnerability management",
    "security.joint_incident_response": "joint incident response with the vendor",
    "low_code.dlp_policy": "low-code: data loss prevention policy",
    "low_code.environments": "low-code: separate environments",
    "low_code.support_owner": "low-code: a named support owner",
    "exit.data_portability": "exit: data portability",
    "exit.escrow": "exit: escrow",
    "exit.termination_assistance": "exit: termination assistance",
}


def _flags(record: str, listed: int, *flags: tuple[str, str, str]) -> tuple[Field, ...]:
    """Yes/no fields of one record (`record.name`), each a flag fact. The interview does not ask them: a
    rule that needs one raises it as an open question (`question:`), so they are asked only where they matter."""
    return tuple(
        Field(
            f"{record}.{name}",
            Flag(),
            f"{record}_{name}",
            True,
            facts=(FactSpec(f"{record}.{name}", "flag", description),),
            label=FLAG_LABELS[f"{record}.{name}"],
            listed=listed + index,
            question=question,
        )
        for index, (name, description, question) in enumerate(flags)
    )


def _unvalidated(benefits: tuple[str, ...]) -> int:
    """How many benefits have no agreed way to validate them (the interview's "(validated by: ...)")."""
    return sum(split_benefit(benefit)[1] is None for benefit in benefits)


def _business_ambition(value_of: ValueOf) -> bool:
    """Expected benefits are asked when the business is to operate (part of) the service (seed:
    "When the aspiration ... is to be business operated, make the expected benefits from this
    approach explicit and explore if these expectations can be validated")."""
    return value_of("ambition") in ("business_operated", "mixed")


_NAME = Text(non_empty=True, max_length=200)
_DAYS = Count(minimum=-MAX_DAYS, maximum=MAX_DAYS)

# The scenario's `evidence` record (opsadvisor/evidence.py): what the records show, as opsadvisor.records
# aggregates them or a scenario file states them.
EVIDENCE = Record(
    {
        "period": Record({"start": Date(), "end": Date()}, required=("start", "end")),
        "tickets": MapOf(TICKET_PROCESSES, Record({handler: Count() for handler in (*HANDLERS, UNMAPPED)})),
        "changes_without_it_approval": Count(),
        "contract": Record(
            {
                "registered": Flag(),
                "holder": Choice(HOLDERS),
                "days_to_end": _DAYS,
                "days_to_notice": _DAYS,
                "renewal_owner": Flag(),
            },
            required=("registered",),
        ),
        "access_reviews": Record({"count": Count(), "days_since_last": Count(maximum=MAX_DAYS)}, required=("count",)),
        "overdue_acceptances": Count(),
        "overdue_mitigations": Count(),
    },
    required=("period",),
)

# In document order: the order of `opsadvisor schema`, an interview's output and the CSV columns.
FIELDS: tuple[Field, ...] = (
    Field(
        "service.id",
        _NAME,
        "service_id",
        "ops-field",
        required=True,
        asked=0,
        question="What is the service's id (a short, unique name such as hr-payroll)?",
        label="service id",
    ),
    Field(
        "service.name",
        _NAME,
        "service_name",
        "Field service planning",
        required=True,
        asked=10,
        question="What is the service called?",
        label="service name",
    ),
    Field(
        "service.business_owner",
        _NAME,
        "business_owner",
        "Operations Director",
        asked=150,
        question="Who is the business owner, the stakeholder who accepts the service's risks?",
    ),
    Field("service.description", Text(), "description", "Planning of engineers' visits"),
    Field(
        "ambition",
        Choice(AMBITIONS),
        "ambition",
        "business_operated",
        facts=(FactSpec("ambition", "choice", "the operate-ownership ambition", AMBITIONS),),
        listed=10,
        asked=20,
        question="Is the service to be operated by the IT function, by the business, or a mix of both?",
        label="operate-ownership ambition",
    ),
    Field(
        "hosting",
        Choice(HOSTING),
        "hosting",
        "saas",
        facts=(FactSpec("hosting", "choice", "where the application runs", HOSTING),),
        listed=20,
        asked=60,
        question="Where does the application run - SaaS, vendor hosted, on premise or in the cloud?",
        label="where it runs",
    ),
    Field(
        "vendor_run",
        Flag(),
        "vendor_run",
        True,
        facts=(FactSpec("vendor_run", "flag", "a vendor operates the application day to day"),),
        listed=30,
        asked=50,
        question="Does a vendor operate the application day to day?",
        label="whether a vendor runs it",
    ),
    Field(
        "contract_owner",
        Choice(CONTRACT_OWNERS),
        "contract_owner",
        "business",
        facts=(FactSpec("contract_owner", "choice", "who holds the service provider contract", CONTRACT_OWNERS),),
        listed=40,
        asked=40,
        question="Who holds the service provider contract - IT, the business, nobody yet, or not applicable (built in "
        "house, no third party)?",
        label="who holds the contract",
    ),
    Field(
        "contract.it_elements_owner",
        Choice(IT_ELEMENTS_OWNERS),
        "it_elements_owner",
        "it",
        facts=(
            FactSpec(
                "contract.it_elements_owner",
                "choice",
                "who holds the IT elements of a split contract (when not the contract owner)",
                IT_ELEMENTS_OWNERS,
            ),
        ),
        listed=45,
        label="who holds the contract's IT elements",
    ),
    Field(
        "contract.escalation_path",
        Flag(),
        "escalation_path",
        True,
        facts=(
            FactSpec(
                "contract.escalation_path",
                "flag",
                "the contract says how the party accountable for service levels and incidents escalates to the vendor",
            ),
        ),
        listed=46,
        label="escalation path in the contract",
        question="Does the contract say how the party accountable for service levels and incidents escalates to "
        "the vendor, when that party does not manage the contract?",
    ),
    Field(
        "current.operated_by",
        Choice(CURRENT_OPERATORS),
        "current_operated_by",
        "business",
        facts=(
            FactSpec(
                "current.operated_by", "choice", "who operates the service today (new: not yet live)", CURRENT_OPERATORS
            ),
        ),
        listed=12,
        asked=160,
        question="Who operates the service today - IT operations, the business, a vendor, a mix, or is it new?",
        label="who operates it today",
    ),
    Field(
        "current.contract_owner",
        Choice(CONTRACT_OWNERS),
        "current_contract_owner",
        "business",
        facts=(FactSpec("current.contract_owner", "choice", "who holds the contract today", CONTRACT_OWNERS),),
        listed=14,
        label="who holds the contract today",
    ),
    Field(
        "integrations",
        ListOf(
            Record(
                {"system": _NAME, "type": Choice(INTEGRATION_TYPES), "system_of_record": Flag()},
                required=("system", "type"),
                defaults={"system_of_record": False},
            )
        ),
        "integrations",
        [
            {"system": "ERP", "type": "api", "system_of_record": True},
            {"system": "Asset register", "type": "file", "system_of_record": True},
        ],
        build=_integrations,
        facts=(
            FactSpec("integrations", "number", "how many integrations with other systems", read=len),
            FactSpec(
                "integration_types",
                "set",
                "the kinds of integration",
                INTEGRATION_TYPES,
                read=lambda items: tuple(sorted({item.type for item in items})),
            ),
            FactSpec(
                "system_of_record_integrations",
                "number",
                "how many integrations touch a system of record",
                read=lambda items: sum(item.system_of_record for item in items),
            ),
        ),
        listed=130,
        asked=70,
        question="Which of the organisation's systems does the service integrate with, and how?",
    ),
    Field(
        "criticality",
        Choice(CRITICALITIES),
        "criticality",
        "medium",
        facts=(FactSpec("criticality", "ordered", "business criticality", CRITICALITIES),),
        listed=50,
        asked=80,
        question="How critical is the service to the business - low, medium, high or critical?",
    ),
    Field(
        "data.classification",
        Choice(CLASSIFICATIONS),
        "classification",
        "internal",
        facts=(FactSpec("data.classification", "ordered", "the highest data classification", CLASSIFICATIONS),),
        listed=60,
        asked=90,
        question="What is the highest classification of the data it holds?",
        label="data classification",
    ),
    Field(
        "data.personal_data",
        Flag(),
        "personal_data",
        True,
        facts=(FactSpec("data.personal_data", "flag", "the service processes personal data"),),
        listed=70,
        asked=100,
        question="Does the service process personal data?",
    ),
    Field(
        "regulations",
        ListOf(Choice(REGULATIONS), unique=True),
        "regulations",
        ["gdpr"],
        build=tuple,
        facts=(FactSpec("regulations", "set", "regulations that apply", REGULATIONS, read=_sorted),),
        listed=80,
        asked=110,
        question="Which regulations apply (GDPR, SOX, DORA, NIS2, HIPAA, PCI DSS)?",
    ),
    Field(
        "users",
        Count(),
        "users",
        300,
        facts=(FactSpec("users", "number", "number of users"),),
        listed=90,
        asked=120,
        question="How many people use the service?",
        label="number of users",
    ),
    Field(
        "lifecycle",
        Choice(LIFECYCLES),
        "lifecycle",
        "scaling",
        facts=(FactSpec("lifecycle", "ordered", "lifecycle stage", LIFECYCLES),),
        listed=100,
        asked=130,
        question="Is the service a pilot, scaling, mature or retiring?",
        label="lifecycle stage",
    ),
    Field(
        "business_capabilities",
        ListOf(Choice(CAPABILITIES), unique=True),
        "business_capabilities",
        ["support_desk", "vendor_management"],
        build=tuple,
        facts=(
            FactSpec(
                "business_capabilities", "set", "capabilities the business has in place", CAPABILITIES, read=_sorted
            ),
        ),
        listed=110,
        asked=140,
        question="Which operate capabilities does the business have in place (support desk, vendor management, "
        "change control, access management, licence management, continuity planning)?",
        label="the business's operate capabilities",
    ),
    Field(
        "expected_benefits",
        ListOf(Text(non_empty=True)),
        "expected_benefits",
        ["Faster planning", "Fewer missed visits"],
        build=tuple,
        facts=(
            FactSpec("expected_benefits", "number", "how many expected benefits are listed", read=len),
            FactSpec(
                "unvalidated_benefits",
                "number",
                "how many expected benefits have no agreed validation yet (no 'validated by')",
                read=_unvalidated,
            ),
        ),
        listed=120,
        asked=30,
        ask_if=_business_ambition,
        question="What benefits does the business expect from the chosen operating model, and how will they be "
        "validated?",
    ),
    Field(
        "service_hours",
        Choice(SUPPORT_HOURS),
        "service_hours",
        "extended_hours",
        facts=(FactSpec("service_hours", "ordered", "the hours the service is promised to its users", SUPPORT_HOURS),),
        listed=140,
        asked=170,
        ask_if=_high_criticality,
        question="During which hours must the service be supported - business hours, extended hours or 24x7?",
    ),
    Field(
        "vendor_support_hours",
        Choice(SUPPORT_HOURS),
        "vendor_support_hours",
        "business_hours",
        facts=(
            FactSpec("vendor_support_hours", "ordered", "the hours the vendor's support desk covers", SUPPORT_HOURS),
        ),
        listed=141,
        asked=171,
        ask_if=_vendor_and_high_criticality,
        question="During which hours does the vendor's support desk answer - business hours, extended hours or 24x7?",
    ),
    *_flags(
        "dora",
        150,
        (
            "critical_function",
            "the service supports a critical or important function (DORA Art. 3(22))",
            "Does the service support a critical or important function under DORA?",
        ),
        (
            "register_entry",
            "the service's contract is in the DORA register of information (Art. 28(3))",
            "Is the service's ICT contract in the DORA register of information?",
        ),
        (
            "exit_strategy",
            "an exit strategy exists for the service (DORA Art. 28(8))",
            "Is there a tested exit strategy for the service?",
        ),
        (
            "contract_clauses",
            "the contract holds the key contractual provisions of DORA Art. 30(2)",
            "Does the contract hold the key contractual provisions of DORA Art. 30(2)?",
        ),
        (
            "pre_contract_assessment",
            "the provider and the risks were assessed before the contract (DORA Art. 28(4))",
            "Were the provider and the risks of the contract assessed before it was signed (DORA Art. 28(4))?",
        ),
        (
            "critical_clauses",
            "the contract holds the further provisions of DORA Art. 30(3) for a critical or important function",
            "Does the contract hold the further provisions of DORA Art. 30(3) for a critical or important function?",
        ),
        (
            "concentration_assessment",
            "the ICT concentration risk of the provider was assessed (DORA Art. 29(1))",
            "Was the ICT concentration risk of the provider assessed (DORA Art. 29)?",
        ),
        (
            "continuity_plan",
            "ICT business continuity and recovery plans cover the service and are tested yearly (DORA Art. 11)",
            "Do ICT business continuity and recovery plans, tested in the last year, cover the service?",
        ),
        (
            "incident_reporting",
            "major ICT-related incidents of the service reach the competent authority (DORA Art. 19)",
            "Does the incident process classify major ICT-related incidents and report them to the authority?",
        ),
        (
            "contract_owner_assigned",
            "the ICT third-party risk framework documents and assigns the contract's owner (DORA Art. 28(1)-(2))",
            "Does the ICT third-party risk framework document and assign an owner for the service's contract?",
        ),
    ),
    *_flags(
        "sox",
        160,
        (
            "soc1_report",
            "the vendor provides a SOC 1 Type 2 report (SSAE 18 / ISAE 3402)",
            "Does the vendor provide a SOC 1 Type 2 report on its controls?",
        ),
        (
            "key_controls_owner",
            "someone is named as owner of the service's key controls",
            "Is someone named as owner of the service's key SOX controls?",
        ),
        (
            "cuecs_owned",
            "the complementary user entity controls of the SOC 1 report are owned",
            "Are the complementary user entity controls of the vendor's SOC 1 report owned by someone?",
        ),
        (
            "soc1_reviewed",
            "the vendor's SOC 1 report is reviewed every year (exceptions, carve-outs, bridge letter)",
            "Is the vendor's SOC 1 report reviewed every year (exceptions, carve-outs, bridge letter)?",
        ),
    ),
    *_flags(
        "gdpr",
        170,
        (
            "dpa",
            "a data processing agreement with the vendor is in place (GDPR Art. 28(3))",
            "Is a data processing agreement (GDPR Art. 28) in place with the vendor?",
        ),
        (
            "processing_record",
            "the processing is in the record of processing activities (GDPR Art. 30)",
            "Is the processing in the record of processing activities (GDPR Art. 30)?",
        ),
        (
            "high_risk",
            "the processing is likely high risk: large scale, special categories or monitoring (Art. 35)",
            "Is the processing large scale, of special categories, or systematic monitoring?",
        ),
        (
            "dpia",
            "a data protection impact assessment was made (GDPR Art. 35)",
            "Was a data protection impact assessment made?",
        ),
        (
            "transfers_outside_eea",
            "personal data goes outside the EEA (GDPR Chapter V)",
            "Does personal data go outside the EEA?",
        ),
        (
            "transfer_safeguards",
            "the transfers outside the EEA have safeguards (adequacy or SCCs, Art. 45-46)",
            "Are those transfers covered by an adequacy decision or standard contractual clauses?",
        ),
        (
            "security_of_processing",
            "security measures appropriate to the risk are assessed and in place (GDPR Art. 32)",
            "Are security measures appropriate to the risk of the personal data assessed and in place (GDPR Art. 32)?",
        ),
        (
            "breach_notification",
            "a personal data breach reaches the supervisory authority within 72 hours (GDPR Art. 33)",
            "Would a breach reach the supervisory authority within 72 hours, the vendor telling you at once?",
        ),
    ),
    *_flags(
        "hipaa",
        178,
        (
            "phi",
            "the vendor creates, receives, maintains or transmits protected health information",
            "Does the vendor create, receive, maintain or transmit protected health information for you?",
        ),
        (
            "baa",
            "a business associate agreement with the vendor is in place (45 CFR 164.504(e))",
            "Is a business associate agreement (HIPAA) in place with the vendor?",
        ),
    ),
    *_flags(
        "security",
        180,
        (
            "sso_mfa",
            "users sign in with single sign-on and multi-factor authentication",
            "Do users sign in with single sign-on and multi-factor authentication?",
        ),
        (
            "central_logging",
            "the service logs to the central security monitoring",
            "Does the service log to the central security monitoring?",
        ),
        (
            "vulnerability_management",
            "the service's vulnerabilities are scanned and patched on a schedule",
            "Are the service's vulnerabilities scanned and patched on a schedule?",
        ),
        (
            "joint_incident_response",
            "a joint security incident response with the vendor is agreed",
            "Is a joint security incident response agreed with the vendor?",
        ),
    ),
    *_flags(
        "nis2",
        185,
        (
            "incident_reporting",
            "significant incidents reach the CSIRT within 24 hours, 72 hours and one month (NIS2 Art. 23)",
            "Can the service's incident process report a significant incident within 24 hours, 72 hours and a month?",
        ),
    ),
    *_flags(
        "pci",
        186,
        (
            "responsibilities_assigned",
            "the PCI DSS responsibilities of the service's controls are documented and assigned",
            "Are the PCI DSS responsibilities for the service's controls documented and assigned?",
        ),
    ),
    Field(
        "low_code.tier",
        Choice(LOW_CODE_TIERS),
        "low_code_tier",
        "team",
        facts=(FactSpec("low_code.tier", "ordered", "the low-code solution's tier", LOW_CODE_TIERS),),
        label="low-code tier",
        listed=190,
        asked=172,
        ask_if=_low_code,
        question="Which tier is the low-code solution - personal, team, business important or mission critical?",
    ),
    *_flags(
        "low_code",
        191,
        (
            "dlp_policy",
            "a data loss prevention policy governs the low-code environment",
            "Does a data loss prevention policy govern the solution's environment?",
        ),
        (
            "environments",
            "the solution has separate development and production environments",
            "Does the solution have separate development and production environments?",
        ),
        (
            "support_owner",
            "someone is named to support the low-code solution",
            "Is someone named to support the solution?",
        ),
    ),
    *_flags(
        "exit",
        200,
        (
            "data_portability",
            "the service's data can be exported in a usable format",
            "Can the service's data be exported in a usable format?",
        ),
        ("escrow", "the source code or configuration is in escrow", "Is the source code or configuration in escrow?"),
        (
            "termination_assistance",
            "the contract includes termination assistance",
            "Does the contract include termination assistance?",
        ),
    ),
    Field(
        "evidence",
        EVIDENCE,
        "evidence",
        {
            "period": {"start": "2026-09-01", "end": "2026-11-29"},
            "tickets": {
                "request": {"business": 30, "vendor": 8},
                "incident": {"it_ops": 12, "business": 40, "vendor": 3},
                "problem": {"business": 6, "vendor": 4},
                "change": {"it_ops": 2, "business": 14, "unmapped": 1},
            },
            "changes_without_it_approval": 15,
            "contract": {
                "registered": True,
                "holder": "business",
                "days_to_end": 200,
                "days_to_notice": 110,
                "renewal_owner": True,
            },
            "access_reviews": {"count": 1, "days_since_last": 130},
            "overdue_acceptances": 0,
            "overdue_mitigations": 0,
        },
        build=Evidence.from_document,
        facts=tuple(FactSpec(*fact[:5], minimum=fact.minimum) for fact in EVIDENCE_FACTS),
        listed=300,
        label="evidence from the records",
        column=False,
    ),
    Field(
        ACCEPTED_RISKS,
        _acceptance_spec,
        "accepted_risks",
        [
            {
                "risk": "personal-data-outside-it",
                "role": "business_owner",
                "name": "Operations Director",
                "date": "2026-05-01",
            }
        ],
        build=_acceptances,
        default=[],
    ),
    Field(
        MITIGATIONS,
        _mitigation_spec,
        "mitigations",
        [
            {
                "risk": "personal-data-outside-it",
                "action": "Connect the service to single sign-on",
                "owner": "IT security",
                "due": "2026-09-30",
            }
        ],
        build=_mitigations,
        default=[],
    ),
    Field(
        "decisions",
        _decision_spec,
        "decisions",
        {"request": {"application": "business", "interface": "it_ops", PERFORMED_BY: "vendor"}},
        build=_decisions,
        default={},
    ),
)

FIELD: dict[str, Field] = {item.path: item for item in FIELDS}
COLUMN_FIELDS: tuple[Field, ...] = tuple(item for item in FIELDS if item.column)  # a portfolio's CSV/XLSX columns

# The fields in the order the dialogue asks them.
DIALOGUE: tuple[Field, ...] = tuple(
    sorted((item for item in FIELDS if item.asked is not None), key=lambda item: item.asked or 0)
)

# Scenario fields that are open questions when missing, in the order the dialogue asks them.
QUESTION_FIELDS: tuple[str, ...] = tuple(item.path for item in DIALOGUE if not item.required)

# The facts a rule may test, in catalogue order, each with the field it comes from.
FACT_FIELDS: dict[str, Field] = {
    fact.name: item for item in sorted(FIELDS, key=lambda item: item.listed) for fact in item.facts
}
FACTS: dict[str, FactSpec] = {fact.name: fact for item in FACT_FIELDS.values() for fact in item.facts}

# Placeholders a message may use besides the facts and derived facts: the service's names.
SERVICE_PLACEHOLDERS: tuple[str, ...] = tuple(
    item.path for item in FIELDS if item.path.startswith("service.") and item.path != "service.description"
)


def label_for(path: str) -> str:
    """How a report names a field (or a derived fact) to a person: 'who operates it today'."""
    field = FIELD.get(path)
    return field.words if field else path.replace("_", " ")


def question_for(path: str, questions: Mapping[str, str]) -> str:
    """The question for a field: the rule pack's wording (`questions:`), else the field's own."""
    return questions.get(path) or FIELD[path].question


def scenario_spec(process_ids: tuple[str, ...], risk_ids: tuple[str, ...], role_ids: tuple[str, ...] = ()) -> Record:
    """The v1 scenario contract, built from FIELDS. Process, risk and role ids come from the rule pack in effect.

    Dotted paths become nested records, in the order their first field appears; a record is
    required when one of its fields is.
    """
    nested: dict[str, dict[str, Spec]] = {}
    required: dict[str, list[str]] = {}
    for item in FIELDS:
        *parents, key = item.path.split(".")
        parent = ".".join(parents)
        nested.setdefault(parent, {})[key] = item.node(process_ids, risk_ids, role_ids)
        if item.required:
            required.setdefault(parent, []).append(key)
    top = nested.pop("")
    records = {name: Record(fields, required=tuple(required.get(name, ()))) for name, fields in nested.items()}
    fields: dict[str, Spec] = {"$schema": Text()}
    for item in FIELDS:
        name = item.path.split(".")[0]
        if name not in fields:
            fields[name] = records[name] if name in records else top[name]
    return Record(fields, required=tuple(name for name in records if required.get(name)))
