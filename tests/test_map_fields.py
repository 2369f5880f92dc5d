"""`batch --map`: which columns and constants give the scenario's fields, as the header check sees them
(docs/batch.md, "Map the export's columns" and "Spreadsheet files")."""

from __future__ import annotations

from pathlib import Path

from .batch_helpers import read_jsonl, run_cli

EXPORT = "Ref,Crit\nx-1,high\n"  # an export without a service name


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_constant_gives_a_required_field_no_column_gives(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", EXPORT)
    mapping = write(
        tmp_path / "map.yaml",
        "columns:\n  Ref: service.id\n  Crit: criticality\nconstants:\n  service.name: Imported service\n",
    )
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q", "--out", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    assert "which every service needs" not in result.stderr
    (line,) = read_jsonl(tmp_path / "out.jsonl")
    assert line["service"] == {"id": "x-1", "name": "Imported service"}


def test_without_the_constant_the_missing_required_field_is_named(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", EXPORT)
    mapping = write(tmp_path / "map.yaml", "columns:\n  Ref: service.id\n  Crit: criticality\n")
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q")
    assert result.exit_code == 3
    assert "export.csv: no column gives service.name, which every service needs" in result.stderr
    assert "service.id" not in result.stderr  # the map's Ref gives it


def test_two_spellings_of_one_column_are_an_error_naming_both(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", "Service ID,Service name,criticality,Criticality\nx-1,X,high,low\n")
    result = run_cli("batch", export, "--jobs", "1", "-q", "--out", tmp_path / "out.jsonl")
    assert result.exit_code == 3
    assert (
        'export.csv: columns 3 and 4 ("criticality" and "Criticality") both give criticality; keep one of them'
    ) in result.stderr
    assert [line["status"] for line in read_jsonl(tmp_path / "out.jsonl")] == ["invalid"]  # no row is assessed


def test_a_mapped_column_and_a_column_named_for_its_field_are_an_error_naming_both(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", "Ref,Title,Crit,Criticality\nx-1,X,high,low\n")
    mapping = write(tmp_path / "map.yaml", "columns:\n  Ref: service.id\n  Title: service.name\n  Crit: criticality\n")
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q")
    assert result.exit_code == 3
    assert 'columns 3 and 4 ("Crit" and "Criticality") both give criticality; keep one of them' in result.stderr


def test_one_name_written_twice_is_named_once(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", "Service ID,Service name,Criticality,Criticality\nx-1,X,high,low\n")
    result = run_cli("batch", export, "--jobs", "1", "-q")
    assert result.exit_code == 3
    assert 'columns 3 and 4 are both named "Criticality"; name each column once' in result.stderr


def test_a_map_cannot_give_every_row_the_same_acceptance_or_mitigation(tmp_path: Path) -> None:
    export = write(tmp_path / "export.csv", "Ref,Title,Signed off\nx-1,X,yes\n")
    mapping = write(
        tmp_path / "map.yaml",
        "columns:\n  Ref: service.id\n  Title: service.name\n"
        '  Signed off: {field: accepted_risks, values: {"yes": "personal-data-outside-it|role=cio|name=Jo"}}\n'
        "constants:\n  mitigations: personal-data-outside-it|action=SSO|owner=IT|due=2027-01-31\n"
        "  accepted_risks: personal-data-outside-it|role=business_owner|name=Jo|date=2026-01-01\n",
    )
    result = run_cli("batch", export, "--map", mapping, "--jobs", "1", "-q")
    assert result.exit_code == 2
    why = "acceptances and mitigations are each one service's, recorded by a named person on a date"
    assert f"line 6: constant mitigations: {why}" in result.stderr
    assert f"line 7: constant accepted_risks: {why}" in result.stderr
    assert f"line 4: column Signed off: values cannot give accepted_risks: {why}" in result.stderr


def test_mitigations_and_acceptances_come_from_each_rows_cells(tmp_path: Path) -> None:
    export = write(
        tmp_path / "export.csv",
        "service.id,service.name,ambition,data.personal_data,regulations,mitigations,accepted_risks\n"
        "a,A,business_operated,yes,gdpr,"
        "personal-data-outside-it|action=Single sign-on|owner=IT security|due=2027-01-31,"
        "personal-data-outside-it|role=business_owner|name=Jo\n",
    )
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", export, "--jobs", "1", "-q", "--out", out, "--as-of", "2026-12-01")
    assert result.exit_code == 0, result.output
    (line,) = read_jsonl(out)
    (risk,) = [risk for risk in line["risks"] if risk["id"] == "personal-data-outside-it"]
    assert risk["mitigations"] == [
        {"action": "Single sign-on", "owner": "IT security", "due": "2027-01-31", "overdue": False}
    ]
    assert not risk["accepted"]  # the acceptance in the cell has no date: it never counts
    assert risk["incomplete"] == [{"entry": "accepted_risks[0]", "missing": ["date"]}]
    assert "incomplete acceptance accepted_risks[0] (no date): it does not count" in risk["notes"]
    assert line["provenance"]["acceptance_policy"]["medium"]["from"] == risk["policy"]["from"]  # the policy judged by
