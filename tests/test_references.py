"""The bundled pack's citations, checked against the table of references it relies on (docs/references.md),
and the regulation packs' scope stated in each rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsadvisor.rulepack import load_pack
from opsadvisor.rulepack.ir import Rule

from .helpers import ROOT

TABLE = ROOT / "docs" / "references.md"
REGULATION_PACKS = ("70-dora", "71-sox", "72-gdpr", "73-nis2-pci", "75-security-baseline", "77-exit", "78-hipaa")
NOTE = re.compile(r"\s+\(.*\)$")  # a citation's note: "SOX s. 404(a) (IT general controls)"


def _table() -> dict[str, str]:
    rows = re.findall(r"^\| (?!citation |---)(.+?) \| (.+?) \|$", TABLE.read_text(encoding="utf-8"), re.M)
    return dict(rows)


def _citations(text: str) -> list[str]:
    """The references a `source` (after `practice,`) or an obligation's `reference` cites; the seed's own
    sections (`seed, "..."`) are not references to check."""
    cited = (NOTE.sub("", part.strip()) for part in text.split(";"))
    return [citation for citation in cited if citation and not citation.startswith("seed,")]


def _rules() -> tuple[Rule, ...]:
    pack = load_pack()
    return (*pack.rules, *pack.workshop_rules)


def _cited() -> Iterator[tuple[str, str]]:
    """(rule id, citation) for every citation of the bundled pack: sources and obligation references."""
    for rule in _rules():
        if rule.provenance.origin == "practice":
            yield from ((rule.id, citation) for citation in _citations(rule.provenance.reference))
        for conflict in rule.of_kind("conflict"):
            if conflict.reference:
                yield from ((rule.id, citation) for citation in _citations(conflict.reference))


def test_every_citation_of_the_pack_is_in_the_table_of_references() -> None:
    table = _table()
    missing = sorted({f"{rule}: {citation}" for rule, citation in _cited() if citation not in table})
    assert not missing, "cited but not in docs/references.md:\n" + "\n".join(missing)


def test_every_reference_in_the_table_is_cited_by_a_rule() -> None:
    cited = {citation for _, citation in _cited()}
    assert not sorted(set(_table()) - cited)


def test_the_table_is_read_whole() -> None:
    """The parser above must not silently read nothing (the two tests above would then prove little)."""
    table = _table()
    assert len(table) > 60 and table["GDPR Art. 28(3)"].startswith("processing by a processor")


@pytest.mark.parametrize(
    "text", [Path(path).read_text(encoding="utf-8") for path in sorted((ROOT / "rules").rglob("*.y*ml"))]
)
def test_no_rule_text_cites_the_retired_pci_dss_v4_0(text: str) -> None:
    assert not re.search(r"PCI DSS (v4\.0(?!\.1)|12\.8\b)", text)


def test_every_regulation_pack_rule_says_when_it_applies() -> None:
    unsaid = [
        rule.id
        for rule in _rules()
        if Path(rule.location.file).stem in REGULATION_PACKS and not (rule.rationale or "").startswith("Applies to")
    ]
    assert not unsaid


def test_obligations_cite_paragraphs_not_whole_articles_or_ranges() -> None:
    """An auditor looks a duty up by article and paragraph: 'DORA Art. 30(2)', not 'Art. 30' or 'Art. 44-46'."""
    vague = sorted(
        {
            f"{rule}: {citation}"
            for rule, citation in _cited()
            if re.match(r"(DORA|GDPR|NIS2) Art\. \d+(-\d+)?$", citation)
            and citation != "GDPR Art. 44"  # Art. 44 has one paragraph
        }
    )
    assert not vague
