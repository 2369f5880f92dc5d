"""Example records for a folder of scenarios: exports as a ServiceNow and a Jira Service Management
instance would write them, consistent with each service's agreed model, plus known drifts.

`opsadvisor records example DIR` writes, for the bundled scenarios (or `--scenarios FOLDER`), the 180
days before the as-of day:

- `servicenow-tasks.csv` and its map: the tickets IT's and the vendors' groups handled (a task list
  export: number, class, configuration item by name, assignment group, opened, approval group);
- `jsm-issues.jsonl` and its map: the tickets the business's own desk handled (Jira's REST shape,
  nested: `fields.issuetype.name`, the service's id as the component);
- `contract-register.xlsx` and its map, `access-reviews.csv` (named fields, no map);
- `parties.yaml` (every group and vendor to its party) and `records.yaml`, the manifest;
- `expected-drifts.json`: the drifts the rules must find, per service (by id, or by name where two
  scenarios share an id, as the records name it), for the last 90 days
  (`current`) and the 90 before (`previous`): those injected, and a risk acceptance a scenario holds
  past its review date; every other service shows none.

Consistent means: each process's tickets are handled by its accountable party, the party a decision
names to do the work, and the vendor of a vendor-run service; changes IT is accountable for are
approved by IT's change board; a held contract is in the register, in force, with a renewal owner;
IT-owned controls have a recent access review. The choices are seeded (`--seed`): the same scenarios,
day and seed give the same bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import api, files
from ..assessment import Assessment
from ..batch.example import scenarios_dir
from ..clock import today
from ..evidence import IT_HANDLERS, TICKET_PROCESSES
from ..scenario import Scenario, load_scenario
from .book import overdue_acceptances, overdue_mitigations

WINDOW = 90
PERIODS = ("previous", "current")
VOLUMES = {"request": (12, 20), "incident": (15, 30), "problem": (10, 14), "change": (10, 16)}  # tickets per 90 days
REGULATED = ("sox", "dora", "pci_dss", "nis2", "hipaa")
VENDORS = ("Northwind Cloud", "Contoso Systems", "Fabrikam Software", "Tailspin Services")
GROUPS = {
    "it_ops": ("IT Service Desk", "IT Application Support"),
    "it_delivery": ("IT Delivery - Platforms",),
    "business": ("Business Key Users",),
}
CHANGE_BOARDS = {"it": "IT Change Advisory Board", "business": "Business Change Board"}
SNOW_CLASSES = {"request": "Requested Item", "incident": "Incident", "problem": "Problem", "change": "Change Request"}
JSM_TYPES = {"request": "Service Request", "incident": "Incident", "problem": "Problem", "change": "Change"}
SNOW_HEADER = ("number", "sys_class_name", "cmdb_ci", "assignment_group", "opened_at", "approval_group", "state")
SNOW_PREFIX = {"request": "RITM", "incident": "INC", "problem": "PRB", "change": "CHG"}
FILES = (
    "records.yaml",
    "parties.yaml",
    "servicenow-tasks.csv",
    "servicenow-tasks-map.yaml",
    "jsm-issues.jsonl",
    "jsm-issues-map.yaml",
    "contract-register.xlsx",
    "contract-register-map.yaml",
    "access-reviews.csv",
    "expected-drifts.json",
)


@dataclass(frozen=True)
class Service:
    """What the generator needs of a scenario: its names, its effective matrix and who runs it."""

    scenario: Scenario
    accountable: dict[str, str]  # process -> the application column's party
    performer: dict[str, str]  # process -> who does the work, where a decision says
    it_controls: str
    label: str = ""  # how records name it: its id, or its name when another scenario has the same id

    @property
    def vendor_run(self) -> bool:
        return self.scenario.vendor_run is True

    @property
    def contract(self) -> str | None:
        """Who holds the service's provider contract, when it has one."""
        owner = self.scenario.contract_owner
        return owner if owner in ("it", "business") else None

    @property
    def regulated(self) -> bool:
        return bool(set(self.scenario.regulations or ()) & set(REGULATED))

    def handlers(self, process: str) -> list[str]:
        """Who may handle the process's tickets under the agreement, the main handler first."""
        accountable = self.accountable[process]
        if accountable not in ("it_ops", "it_delivery", "business"):
            accountable = {"business": "business", "vendor": "vendor"}.get(
                self.scenario.current_operated_by or "", "it_ops"
            )
        main = self.performer.get(process) or ("vendor" if self.vendor_run else accountable)
        return list(dict.fromkeys([main, accountable]))


@dataclass(frozen=True)
class Injection:
    """A drift the generator injects: its id, the condition a service must meet, the periods it is in."""

    drift: str
    applies: Callable[[Service], bool]
    periods: tuple[str, ...]
    process: str = ""  # a ticket drift's process
    party: str = ""  # who handles the share the agreement gives nobody


def _handled_by(process: str, party: str, periods: tuple[str, ...]) -> Injection:
    def applies(service: Service) -> bool:
        accountable = service.accountable[process]
        if accountable not in ("it_ops", "it_delivery", "business") or party in service.handlers(process):
            return False
        if party == "vendor":
            return not service.vendor_run
        return (party == "business") == (accountable in IT_HANDLERS)

    drift = f"{process}-handled-by-{party.replace('_', '-')}"
    return Injection(drift, applies, periods, process, party)


# The drifts injected, in order: each goes to the first service (in seeded order) it applies to and that
# has none yet. `previous` only: fixed since (the diff's "better"); `current` only: new.
INJECTIONS = (
    _handled_by("incident", "business", ("previous", "current")),
    _handled_by("request", "it_ops", ("current",)),
    _handled_by("change", "vendor", ("previous",)),
    _handled_by("problem", "business", ("current",)),
    Injection(
        "incident-vendor-not-reached",
        lambda s: s.vendor_run and s.accountable["incident"] != "tbd",
        ("current",),
        "incident",
    ),
    Injection(
        "change-without-it-approval",
        lambda s: s.regulated and s.accountable["change"] in IT_HANDLERS,
        ("previous", "current"),
    ),
    Injection("contract-past-end", lambda s: s.contract is not None, ("current",)),
    Injection("contract-notice-without-owner", lambda s: s.contract is not None, ("current",)),
    Injection("contract-holder-differs", lambda s: s.contract is not None, ("previous", "current")),
    Injection("contract-not-registered", lambda s: s.contract is not None, ("previous", "current")),
    Injection("access-review-missing", lambda s: s.it_controls == "it_ops", ("previous", "current")),
    Injection("access-review-overdue", lambda s: s.it_controls == "it_ops", ("previous",)),
)


@dataclass
class Example:
    """The generated set, before it is written: rows per file, and what was injected."""

    as_of: datetime.date
    snow: list[tuple[str, ...]] = field(default_factory=list)
    jsm: list[dict[str, Any]] = field(default_factory=list)
    contracts: list[tuple[Any, ...]] = field(default_factory=list)
    reviews: list[tuple[str, str, str]] = field(default_factory=list)
    vendors: dict[str, str] = field(default_factory=dict)  # service label -> vendor
    expected: dict[str, dict[str, list[str]]] = field(default_factory=lambda: {p: {} for p in PERIODS})


def write_records_example(
    folder: str | Path,
    as_of: datetime.date | None = None,
    scenarios: str | Path | None = None,
    seed: int = 28,
    force: bool = False,
    rules: api.RulesArg = None,
) -> Example:
    """Generate the example for the scenarios (default: the bundled ones) over the 180 days before `as_of`
    (default: today) and write it into `folder` (created if needed). An existing file of the set is an
    OutputError (exit 2) unless `force`; a folder without scenarios is a ValueError."""
    as_of = as_of or today()
    target = Path(folder)
    for name in FILES:
        files.refuse_existing(target / name, force)
    services = _services(Path(scenarios) if scenarios else scenarios_dir(), as_of, rules)
    example = generate(services, as_of, seed)
    target.mkdir(parents=True, exist_ok=True)
    _write(target, example, services)
    return example


def _services(folder: Path, as_of: datetime.date, rules: api.RulesArg) -> list[Service]:
    assessor = api.assessor_for(api.rule_pack(rules))
    found = []
    for path in sorted(folder.glob("*.json")):
        scenario = load_scenario(path, assessor.spec)
        found.append(_service(scenario, assessor.assess_scenario(scenario, as_of)))
    if not found:
        raise ValueError(f"{folder}: no scenario files (*.json)")
    ids = Counter(service.scenario.service_id for service in found)
    return [
        dataclasses.replace(
            s, label=s.scenario.service_id if ids[s.scenario.service_id] == 1 else s.scenario.service_name
        )
        for s in found
    ]


def _service(scenario: Scenario, assessment: Assessment) -> Service:
    rows = {row.process: row for row in assessment.accountability}
    return Service(
        scenario,
        {process: rows[process].application for process in TICKET_PROCESSES},
        {process: str(rows[process].performed_by) for process in TICKET_PROCESSES if rows[process].performed_by},
        rows["it_controls"].application if "it_controls" in rows else "tbd",
    )


def generate(services: list[Service], as_of: datetime.date, seed: int) -> Example:
    """The example's rows, in a fixed order: deterministic for the services, day and seed."""
    rng = random.Random(seed)
    example = Example(as_of)
    order = sorted(services, key=lambda s: s.label)
    rng.shuffle(order)
    plan: dict[str, Injection] = {}
    for injection in INJECTIONS:
        chosen = next((s for s in order if s.label not in plan and injection.applies(s)), None)
        if chosen is not None:
            plan[chosen.label] = injection
            for period in injection.periods:
                example.expected[period][chosen.label] = [injection.drift]
    vendors = rng.sample(VENDORS, len(VENDORS))  # several services share a vendor: the roll-up's concentration
    for service in sorted(services, key=lambda s: s.label):
        if service.contract or service.vendor_run:
            example.vendors[service.label] = vendors[len(example.vendors) % len(vendors)]
        for period, day in ((p, _as_of(as_of, p)) for p in PERIODS):
            if overdue_acceptances(service.scenario, day):
                example.expected[period].setdefault(service.label, []).append("acceptance-past-review")
            if overdue_mitigations(service.scenario, day):
                example.expected[period].setdefault(service.label, []).append("mitigation-past-due")
        planned = plan.get(service.label)
        _tickets(example, service, planned, rng)
        _contract(example, service, planned)
        _reviews(example, service, planned, rng)
    return example


def _as_of(as_of: datetime.date, period: str) -> datetime.date:
    """The as-of day a period ends before: the given one for `current`, WINDOW days earlier for `previous`."""
    return as_of - datetime.timedelta(days=WINDOW) if period == "previous" else as_of


def _period_days(as_of: datetime.date, period: str) -> Iterator[datetime.date]:
    first = _as_of(as_of, period) - datetime.timedelta(days=WINDOW)
    return (first + datetime.timedelta(days=day) for day in range(WINDOW))


def _tickets(example: Example, service: Service, planned: Injection | None, rng: random.Random) -> None:
    for period in PERIODS:
        days = list(_period_days(example.as_of, period))
        injection = planned if planned is not None and period in planned.periods else None
        drift = injection.drift if injection else ""
        for process in TICKET_PROCESSES:
            number = rng.randint(*VOLUMES[process])
            handlers = service.handlers(process)
            if drift == "incident-vendor-not-reached":
                handlers = [party for party in handlers if party != "vendor"] or ["it_ops"]
            for index in range(number):
                party = _handler(handlers, index, number, process, injection)
                unapproved = drift == "change-without-it-approval" and index < 3
                _ticket(example, service, process, party, rng.choice(days), rng, unapproved)


def _handler(handlers: list[str], index: int, number: int, process: str, injection: Injection | None) -> str:
    """The party of the index-th ticket: 40% to the injected party, else the agreement's handlers
    (the main one three in four)."""
    if injection is not None and injection.process == process and injection.party and index < number * 2 // 5:
        return injection.party
    return handlers[1] if len(handlers) > 1 and index % 4 == 3 else handlers[0]


def _group(example: Example, service: Service, party: str, rng: random.Random) -> str:
    if party == "vendor":
        return f"{example.vendors.get(service.label, VENDORS[0])} Support"
    return rng.choice(GROUPS[party])


def _ticket(
    example: Example,
    service: Service,
    process: str,
    party: str,
    opened: datetime.date,
    rng: random.Random,
    unapproved: bool,
) -> None:
    group = _group(example, service, party, rng)
    approver = ""
    if process == "change" and not unapproved:
        board = "it" if service.accountable["change"] in IT_HANDLERS else "business"
        approver = CHANGE_BOARDS[board]
    elif process == "change":
        approver = CHANGE_BOARDS["business"]
    time = f"{rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    if party == "business":
        key = f"BUS-{len(example.jsm) + 1}"
        fields: dict[str, Any] = {
            "issuetype": {"name": JSM_TYPES[process]},
            "components": [{"name": service.label}],
            "created": f"{opened.isoformat()}T{time}.000+0000",
            "customfield_10001": {"name": group},
            "summary": f"{JSM_TYPES[process]} for {service.scenario.service_name}",
        }
        if approver:
            fields["customfield_10060"] = {"name": approver}
        example.jsm.append({"key": key, "fields": fields})
        return
    number = f"{SNOW_PREFIX[process]}{len(example.snow) + 1000001}"
    example.snow.append(
        (
            number,
            SNOW_CLASSES[process],
            service.scenario.service_name,
            group,
            f"{opened.isoformat()} {time}",
            approver,
            "Closed",
        )
    )


def _contract(example: Example, service: Service, injection: Injection | None) -> None:
    holder = service.contract
    drift = injection.drift if injection else ""
    if holder is None or drift == "contract-not-registered":
        return
    as_of = example.as_of
    end, notice, owner = as_of + datetime.timedelta(days=400), 90, "Vendor Manager"
    if drift == "contract-past-end":
        end = as_of - datetime.timedelta(days=20)  # in force at the previous as-of day, its notice handled
    elif drift == "contract-notice-without-owner":
        end, owner = as_of + datetime.timedelta(days=30), ""
    if drift == "contract-holder-differs":
        holder = "business" if holder == "it" else "it"
    department = "IT" if holder == "it" else "Business Unit"
    vendor = example.vendors.get(service.label, "")
    example.contracts.append(
        (f"CTR-{len(example.contracts) + 101}", service.scenario.service_name, vendor, department, end, notice, owner)
    )


def _reviews(example: Example, service: Service, injection: Injection | None, rng: random.Random) -> None:
    drift = injection.drift if injection else ""
    if service.it_controls != "it_ops" or drift == "access-review-missing":
        return
    as_of = example.as_of
    ages = (500, 20) if drift == "access-review-overdue" else (rng.randrange(250, 330), rng.randrange(30, 80))
    for age in ages:
        day = as_of - datetime.timedelta(days=age)
        example.reviews.append((service.label, day.isoformat(), "IT Access Governance"))


# --- writing ----------------------------------------------------------------------------------------

SNOW_MAP = """# The columns of a ServiceNow task list export (Configuration > Export > CSV), as opsadvisor reads them.
columns:
  number: id
  sys_class_name:
    field: type
    values: {Incident: incident, Requested Item: request, Problem: problem, Change Request: change, Catalog Task: null}
  cmdb_ci: service
  assignment_group: group
  opened_at: opened
  approval_group: approved_by
  state: ignore
"""
JSM_MAP = """# The keys of Jira Service Management issues (the REST API's JSON, one issue a line), as opsadvisor reads
# them: nested keys are dotted, a list's items numbered; keys not named here are not read.
columns:
  key: id
  fields.issuetype.name:
    field: type
    values: {Service Request: request, Incident: incident, Problem: problem, Change: change, Task: null}
  fields.components.0.name: service
  fields.created: opened
  fields.customfield_10001.name: group
  fields.customfield_10060.name: approved_by
  fields.summary: ignore
"""
CONTRACT_MAP = """# The columns of the contract register (a procurement tool's XLSX export).
columns:
  Contract ID: ignore
  Application: service
  Supplier: vendor
  Owning Department:
    field: holder
    values: {IT: it, Business Unit: business}
  End Date: end
  Notice Period (days): notice_days
  Renewal Owner: renewal_owner
"""
MANIFEST = """# The records opsadvisor reads as evidence of practice (opsadvisor docs assurance). Paths are relative
# to this file; `opsadvisor records example` wrote this set for the bundled scenarios.
parties: parties.yaml
tickets:
  - {file: servicenow-tasks.csv, map: servicenow-tasks-map.yaml}
  - {file: jsm-issues.jsonl, map: jsm-issues-map.yaml}
contracts: {file: contract-register.xlsx, map: contract-register-map.yaml}
access_reviews: access-reviews.csv
window_days: 90
"""


def _write(folder: Path, example: Example, services: list[Service]) -> None:
    files.atomic_write(folder / "servicenow-tasks.csv", _csv(SNOW_HEADER, sorted(example.snow, key=_snow_order)))
    lines = "".join(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n" for item in example.jsm)
    files.atomic_write(folder / "jsm-issues.jsonl", lines.encode())
    files.atomic_write(folder / "access-reviews.csv", _csv(("service", "date", "reviewer"), sorted(example.reviews)))
    _register(folder / "contract-register.xlsx", example.contracts)
    files.atomic_write(folder / "servicenow-tasks-map.yaml", SNOW_MAP.encode())
    files.atomic_write(folder / "jsm-issues-map.yaml", JSM_MAP.encode())
    files.atomic_write(folder / "contract-register-map.yaml", CONTRACT_MAP.encode())
    files.atomic_write(folder / "parties.yaml", _parties(services).encode())
    files.atomic_write(folder / "records.yaml", MANIFEST.encode())
    expected = {
        "as_of": example.as_of.isoformat(),
        "previous_as_of": _as_of(example.as_of, "previous").isoformat(),
        "window_days": WINDOW,
        **{period: dict(sorted(example.expected[period].items())) for period in PERIODS},
    }
    files.atomic_write(folder / "expected-drifts.json", (json.dumps(expected, indent=2) + "\n").encode())


def _snow_order(row: tuple[str, ...]) -> tuple[str, str]:
    return (row[4], row[0])  # by when it was opened, as an export sorted by date


def _csv(header: tuple[str, ...], rows: list[Any]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode()


def _parties(services: list[Service]) -> str:
    lines = [
        "# Assignment groups and vendors, and the party of the matrix whose work their tickets are.",
        "parties:",
    ]
    for party, groups in GROUPS.items():
        lines += [f"  {group}: {party}" for group in groups]
    lines += [f"  {name}: it_ops" for name in (CHANGE_BOARDS["it"],)]
    lines += [f"  {CHANGE_BOARDS['business']}: business"]
    lines += [f"  {vendor} Support: vendor" for vendor in VENDORS]
    return "\n".join(lines) + "\n"


def _register(path: Path, rows: list[tuple[Any, ...]]) -> None:
    from openpyxl import Workbook

    from ..xlsx_style import save_workbook, style_header

    workbook = Workbook()
    sheet = workbook.create_sheet("Contracts", 0)
    del workbook[workbook.sheetnames[1]]  # the empty sheet a new workbook starts with
    sheet.append(
        [
            "Contract ID",
            "Application",
            "Supplier",
            "Owning Department",
            "End Date",
            "Notice Period (days)",
            "Renewal Owner",
        ]
    )
    for row in rows:
        sheet.append(list(row))
        sheet.cell(sheet.max_row, 5).number_format = "yyyy-mm-dd"
    style_header(sheet)
    save_workbook(workbook, path)
