"""Who performs the daily work, in the workshop pack: the agenda walks it, each process the business is
accountable for names who does its work in what to agree, and the facilitator appendix asks, per
process not yet recorded and by name, who performs it, with the `decide ... --performed-by WHO` command
that records it. Before these tests only the golden workshop pack saw the appendix and the agenda."""

from __future__ import annotations

import json
import re
from typing import Any

from opsadvisor import api

from .helpers import SCENARIOS

ASKED = re.compile(
    r"Who performs (?P<name>.+?) \(vendor, business, it_ops or it_delivery\):\n\n```\n"
    r"opsadvisor decide crm\.json (?P<process>\S+) --application \S+ --interface \S+ --performed-by WHO\n```"
)


def crm(performed_by: str) -> dict[str, Any]:
    """The Sales CRM (model B: the business is accountable for most processes) with its incidents' performer."""
    document = json.loads((SCENARIOS / "sales-crm-business-operated.json").read_text(encoding="utf-8"))
    document["decisions"] = {
        "incident": {"application": "business", "interface": "it_ops", "performed_by": performed_by}
    }
    return document


def pack(document: dict[str, Any]) -> str:
    """The workshop pack in Markdown, its escapes removed."""
    return str(api.workshop(document, source="crm.json")).replace("\\", "")


def business_accountable(document: dict[str, Any]) -> list[dict[str, Any]]:
    rows = api.assess(document).to_dict()["accountability"]
    return [row for row in rows if "business" in (row["application"], row["interface"])]


def test_the_appendix_asks_who_performs_each_process_not_yet_recorded_by_name() -> None:
    document = crm("vendor")
    text = pack(document)
    appendix = text.split("## Facilitator appendix", 1)[1]
    asked = [(match["name"], match["process"]) for match in ASKED.finditer(appendix)]
    expected = [(row["name"], row["process"]) for row in business_accountable(document) if "performed_by" not in row]
    assert asked == expected
    assert ("Incident Mgmt", "incident") not in asked  # recorded: not asked again
    assert len(asked) == len(business_accountable(document)) - 1


def test_the_agenda_walks_who_does_the_daily_work() -> None:
    document = crm("vendor")
    walked = len(business_accountable(document))
    assert (
        f"Walk through the {walked} processes the business is accountable for: who does the daily work, SLA "
        "performance, escalation and stepping in"
    ) in pack(document)


def incident_agreements(performed_by: str) -> str:
    section = pack(crm(performed_by)).split("### Incident Mgmt", 1)[1].split("###", 1)[0]
    return " ".join(section.split())


def test_what_to_agree_names_who_does_the_work() -> None:
    own = incident_agreements("business")
    assert "Daily work performed by: Business." in own
    assert "the service levels for the business's own team" in own
    assert "when the business's own team does not perform as agreed" in own
    it_ops = incident_agreements("it_ops")
    assert "Daily work performed by: IT OPS." in it_ops
    assert "when IT OPS misses a service level" in it_ops
