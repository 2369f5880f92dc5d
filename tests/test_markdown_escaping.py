"""Markdown outputs escape only what Markdown would interpret: "(Vendor) Contract Management" reads as written,
not as "\\(Vendor\\) Contract Management", while a pipe, a link, a code span, emphasis or a heading in a
name is shown as typed, never as markup."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from opsadvisor.text import escape_markdown, escape_markdown_cell, markdown_table

from .helpers import SCENARIOS, run_cli
from .test_bidi_controls import BIDI_CONTROLS

# CommonMark: a backslash before ASCII punctuation shows that character; before anything else it is itself
_SHOWN = re.compile(r"\\([!-/:-@\[-`{-~])|&(lt|amp);")


def read(markdown: str) -> str:
    """The text a CommonMark reader sees in an escaped line (its escapes and the two entities undone)."""
    return _SHOWN.sub(lambda found: found.group(1) or {"lt": "<", "amp": "&"}[found.group(2)], markdown)


# text as a scenario may hold it: no control characters, bidirectional controls or lone surrogates
texts = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=BIDI_CONTROLS), max_size=60)


@given(texts)
def test_an_escaped_text_reads_as_it_was_written_on_one_line(text: str) -> None:
    assert read(escape_markdown(text)) == " ".join(text.split())


@given(texts)
def test_no_markup_survives_the_escaping(text: str) -> None:
    """Once the escaped pairs are taken out, nothing is left that opens a link, code, emphasis, HTML or a cell."""
    bare = re.sub(r"\\.", "", escape_markdown(text))
    assert not set(bare) & set("[]`*~|<")


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Nd"), exclude_characters="\\"), max_size=60))
def test_parentheses_and_exclamation_marks_are_never_escaped(text: str) -> None:
    shown = escape_markdown(text)
    assert "\\(" not in shown and "\\)" not in shown and "\\!" not in shown


def test_what_markdown_would_interpret_is_escaped_and_nothing_else() -> None:
    cases = {
        "(Vendor) Contract Management": "(Vendor) Contract Management",
        "contract.escalation_path: true": "contract.escalation_path: true",
        "[click](javascript:alert(1)) ![x](y)": "\\[click\\](javascript:alert(1)) !\\[x\\](y)",
        "a | b": "a \\| b",
        "`code` *bold* _it_ ~~gone~~": "\\`code\\` \\*bold\\* \\_it\\_ \\~\\~gone\\~\\~",
        "<script>x</script> AT&T &amp;": "&lt;script>x&lt;/script> AT&T &amp;amp;",
        "# not a heading": "\\# not a heading",
        "> not a quote": "\\> not a quote",
        "- not an item": "\\- not an item",
        "1. not an item": "1\\. not an item",
        "-5% and 10.5 and (1)": "-5% and 10.5 and (1)",
    }
    assert {text: escape_markdown(text) for text in cases} == cases


def test_a_table_cell_holds_no_block_so_its_leading_marks_stay_as_written() -> None:
    assert escape_markdown_cell(">= 500") == ">= 500" and escape_markdown_cell("- ") == "-"
    assert markdown_table(("users", "criticality"), [(">= 500", "-")]).splitlines()[-1] == "| >= 500  | -             |"


def test_the_markdown_report_backslashes_no_parenthesis() -> None:
    report = run_cli("assess", str(SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"), "--format", "markdown")
    assert report.exit_code == 0
    assert "\\(" not in report.stdout and "(Vendor) Contract Management" in report.stdout
    workshop = run_cli("workshop", str(SCENARIOS / "hr-portal-it-operated-decided-otherwise.json"))
    assert "\\(" not in workshop.stdout and "(Vendor) Contract Management" in workshop.stdout
