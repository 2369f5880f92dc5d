"""The guides (docs/*.md), shipped inside the package so that `opsadvisor docs TOPIC` works from any install."""

from __future__ import annotations

from pathlib import Path

from .errors import did_you_mean

# topic -> what the guide covers, in the order of the work (setup.cfg ships docs/ as opsadvisor/docs: the
# guides, the example files they use and the workbench guide's pictures)
TOPICS = {
    "operating-models": "the domain: models A, B and C, the matrix, the dialogue, what a report says",
    "dialogue": "the interview, the workshop pack, recording decisions and accepted risks",
    "batch": "a portfolio at once (CSV, XLSX, JSON), and what a rule change changes",
    "rules": "read, write, check, test and layer rules; decision tables",
    "references": "the regulations and standards the bundled rules cite, and what each says",
    "workbench": "the local web page (opsadvisor serve): forms, the report, workshop mode, portfolio",
    "assurance": "is the agreed model lived? a service's records (tickets, contracts, access reviews) as evidence",
}


def guides_dir() -> Path:
    """The guides: inside the installed package, or `docs/` beside it in a checkout."""
    package = Path(__file__).parent
    installed = package / "docs"
    return installed if installed.is_dir() else package.parent / "docs"


def guide_path(topic: str) -> Path:
    """The file of a guide, or ValueError naming the topics."""
    if topic not in TOPICS:
        raise ValueError(f"no guide '{topic}'{did_you_mean(topic, TOPICS)}; the guides: {', '.join(TOPICS)}")
    return guides_dir() / f"{topic}.md"


def guide(topic: str) -> str:
    """The text of a guide (Markdown)."""
    return guide_path(topic).read_text(encoding="utf-8")


def index() -> str:
    """What `opsadvisor docs` prints without a topic: the guides, and where the guides and rules live."""
    from .rulepack import default_rules_dir
    from .rulepack.layering import BUNDLED

    width = max(map(len, TOPICS))
    lines = ["Guides (opsadvisor docs TOPIC):", ""]
    lines += [f"  {topic:<{width}}  {summary}" for topic, summary in TOPICS.items()]
    folder = guides_dir()
    lines += [
        "",
        f"The guides are in {folder}; the example files they use (docs/examples/ in a checkout)",
        f"are in {folder / 'examples'}, the workbench guide's pictures in {folder / 'workbench'}.",
        f"{BUNDLED} (the bundled rules) is {default_rules_dir()}",
    ]
    return "\n".join(lines) + "\n"
