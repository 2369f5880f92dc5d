"""What a newcomer meets first: the version, the guides, the help, shell completion."""

from __future__ import annotations

from conftest import ROOT, run_cli

from opsadvisor import __version__
from opsadvisor.guides import TOPICS


def test_dash_capital_v_prints_the_version() -> None:
    for flag in ("-V", "--version"):
        result = run_cli(flag)
        assert result.exit_code == 0 and result.output == f"opsadvisor, version {__version__}\n"


def test_docs_prints_each_guide_and_lists_them_without_a_topic() -> None:
    for topic in TOPICS:
        result = run_cli("docs", topic)
        assert result.exit_code == 0
        assert result.output == (ROOT / "docs" / f"{topic}.md").read_text(encoding="utf-8")
    listing = run_cli("docs").output
    assert all(f"  {topic}  " in listing for topic in TOPICS)
    assert "<bundled> (the bundled rules) is " in listing


def test_an_unknown_guide_is_a_usage_error_naming_the_guides() -> None:
    result = run_cli("docs", "rulez")
    assert result.exit_code == 2 and "'operating-models', 'dialogue', 'batch', 'rules'" in result.output


def test_the_top_level_help_points_at_the_guides() -> None:
    assert "opsadvisor docs operating-models" in run_cli("--help").output
