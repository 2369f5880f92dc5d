"""Column maps as a clumsy user writes them: every mistake is a map error naming its lines, never a
traceback or a silently dropped column (`opsadvisor batch --map`, `--template --map-from`)."""

from __future__ import annotations

from pathlib import Path

from .hostile_helpers import cli, crashed


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _batch(tmp_path: Path, export: str, mapping: str) -> tuple[int, str]:
    source = _write(tmp_path / "export.csv", export)
    result = cli("batch", source, "--map", _write(tmp_path / "m.yaml", mapping), "--jobs", "1", "-q")
    assert not crashed(result), result.output
    return result.exit_code, result.stderr


def test_an_empty_split_is_a_map_error_naming_its_line(tmp_path: Path) -> None:
    code, stderr = _batch(
        tmp_path,
        "Ref,Title,Regs\nx-1,Ledger,SOX\n",
        'columns:\n  Ref: service.id\n  Title: service.name\n  Regs: {field: regulations, split: ""}\n',
    )
    assert code == 2
    assert (
        'line 4: column Regs: split is the text between the items of a list cell (e.g. ","); found an empty one'
        in stderr
    )


def test_a_constant_for_a_field_a_mapped_column_fills_is_a_map_error_naming_both_lines(tmp_path: Path) -> None:
    code, stderr = _batch(
        tmp_path,
        "Ref,Title,Crit\nx-1,Ledger,high\n",
        "columns:\n  Ref: service.id\n  Title: service.name\n  Crit: criticality\nconstants:\n  criticality: low\n",
    )
    assert code == 2
    assert 'line 6: constant criticality and line 4: column "Crit" both give it; keep one of them' in stderr


def test_a_constant_for_a_field_a_header_column_names_is_refused_naming_both(tmp_path: Path) -> None:
    code, stderr = _batch(
        tmp_path,
        "Ref,Title,criticality\nx-1,Ledger,high\n",
        "columns:\n  Ref: service.id\n  Title: service.name\nconstants:\n  criticality: low\n",
    )
    assert code == 3
    assert 'column "criticality" and the constant criticality (' in stderr
    assert "m.yaml:5) both give criticality; keep one of them" in stderr


def test_two_map_entries_for_one_column_are_a_map_error_naming_both_lines(tmp_path: Path) -> None:
    code, stderr = _batch(
        tmp_path,
        "ID,Title\nx-1,Ledger\n",
        "columns:\n  id: service.id\n  Title: service.name\n  ID: service.name\n",
    )
    assert code == 2
    assert 'line 2: column "id" and line 4: column "ID" name one column' in stderr
    assert "no column gives service.id" not in stderr


def test_a_header_cell_holding_a_newline_keeps_every_column_of_the_skeleton(tmp_path: Path) -> None:
    names = [f"col{number}" for number in range(20)]
    names[2] = '"Business\nOwner"'
    export = _write(tmp_path / "export.csv", ",".join(names) + "\n" + ",".join("x" * 20) + "\n")
    result = cli("batch", "--template", tmp_path / "m.yaml", "--map-from", export)
    assert result.exit_code == 0, result.output
    skeleton = (tmp_path / "m.yaml").read_text(encoding="utf-8")
    assert all(f'"col{number}"' in skeleton for number in (0, 1, 3, 19))
    assert '"Business\\nOwner"' in skeleton


def test_a_header_cell_holding_a_newline_is_named_on_one_line_in_a_message(tmp_path: Path) -> None:
    export = _write(tmp_path / "export.csv", 'service.id,service.name,"Cost\nCentre"\nx-1,Ledger,C12\n')
    result = cli("batch", export, "--jobs", "1", "-q")
    assert result.exit_code == 3 and not crashed(result)
    (line,) = [line for line in result.stderr.splitlines() if "is not a scenario field" in line]
    assert 'column 3 "Cost\\nCentre" is not a scenario field' in line
