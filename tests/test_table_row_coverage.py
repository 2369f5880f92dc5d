"""Decision tables: `rules test --coverage` counts each row of a rule written as several rows that share an
id, a row covered only when its own cells held (docs/rules.md, "Rows that share an id"). Before this test
only the bundled suite's 100% coverage saw it for a rule of two rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run_cli

TABLE = """\
tables:
  - id: acme.review
    title: A large or important service gets a yearly review
    rationale: ACME reviews its large or important services every year.
    source: practice, ACME review policy
    hit_policy: collect
    inputs: [criticality, users]
    outputs: [next_step]
    rows:
      - {id: acme.review.yearly, cells: [">= high", "-", "Review {service.name} every year."]}
      - {id: acme.review.yearly, cells: ["-", "> 500", "Review {service.name} every year."]}
"""
ROW_1, ROW_2 = "acme.review.yearly row 1", "acme.review.yearly row 2"
LINES = {ROW_1: 10, ROW_2: 11}  # where each row is written in TABLE


def coverage(tmp_path: Path, facts: str) -> list[str]:
    """The `not fired` lines of a run with one case that fires the two-row rule on `facts`."""
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "review.yaml").write_text(TABLE, encoding="utf-8")
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"cases:\n  - name: reviewed\n    scenario: {facts}\n    expect: {{fired: [acme.review.yearly]}}\n",
        encoding="utf-8",
    )
    result = run_cli("rules", "test", str(cases), "--rules", str(layer), "--coverage")
    assert result.exit_code == 0, result.output
    assert "(a rule written as several table rows counts each row)" in result.output
    return [line for line in result.output.splitlines() if "acme.review" in line]


@pytest.mark.parametrize(
    ("facts", "not_fired"),
    [
        ("{criticality: high, users: 10}", [ROW_2]),
        ("{criticality: low, users: 900}", [ROW_1]),
        ("{criticality: critical, users: 900}", []),
    ],
)
def test_each_row_of_a_two_row_rule_is_covered_only_where_its_cells_held(
    tmp_path: Path, facts: str, not_fired: list[str]
) -> None:
    expected = [f"  not fired: {row}  ({tmp_path}/acme/review.yaml:{LINES[row]})" for row in not_fired]
    assert coverage(tmp_path, facts) == expected
