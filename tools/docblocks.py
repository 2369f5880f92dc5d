"""Run the command blocks of the README and the guides, and keep the output they show current.

A command block is a fenced ```console block: lines starting with `$ ` are commands (a trailing
backslash continues one on the next line), the lines after a command are its output, and a line `...`
stands for the lines left out of a long output (the lines above and below it are kept). A command
that exits with a status other than 0 ends with a line `[exit status N]`.

A Python block is a fenced ```pycon block, as the interactive interpreter shows a session: lines
starting with `>>> ` are statements (`... ` continues one), run in order in one namespace, and the
lines after a statement are what it printed (an expression's value as the interpreter shows it), so
a value the documentation claims is checked like a command's output.

Each file runs in order, in a fresh folder holding what a clone ships (scenarios/, rules/,
docs/examples/), at a terminal 100 columns wide without colour, on the docs' own day (OPSADVISOR_TODAY
pins the tool's "today" to DOCS_TODAY, so the blocks read the same on any later day). The rules version
a block prints changes with every rule edited: blocks are compared with it normalised, and `--update`
writes the current one. `opsadvisor` runs in this process (click's test runner); other commands (cp,
cat) run as processes. A command may read its input from a file (`< FILE`) and write its output to one
(`> FILE`); there are no pipes.

    python tools/docblocks.py                   # check: exit 1 and show the diff when a block is stale
    python tools/docblocks.py --update          # rewrite the stale blocks
    python tools/docblocks.py README.md         # only the files named
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = (
    "README.md",
    "docs/operating-models.md",
    "docs/dialogue.md",
    "docs/batch.md",
    "docs/rules.md",
    "docs/assurance.md",
)
SHIPPED = ("scenarios", "rules", "docs/examples")
DOCS_TODAY = "2026-11-30"  # the day the documented examples are run on, whatever the system's date
ENV = {
    "COLUMNS": "100",
    "LINES": "40",
    "NO_COLOR": "1",
    "OPSADVISOR_TODAY": DOCS_TODAY,
    "OPSADVISOR_RULES": None,
    "_OPSADVISOR_COMPLETE": None,
}
RULES_VERSION = re.compile(r"sha256:[0-9a-f]{16}")
RULES_VERSION_SHOWN = "sha256:<rules-version>"
ELIDED = "..."
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
PYCON = re.compile(r"^```pycon\n(.*?)^```$", re.M | re.S)
PROMPT, MORE = ">>> ", "... "


@dataclass
class Step:
    command: str  # as written, continuation lines included
    shown: list[str]  # the output lines the document shows


def fresh_folder(base: Path) -> Path:
    """A folder with what a fresh clone ships, for the commands to run in."""
    for name in SHIPPED:
        shutil.copytree(ROOT / name, base / name, ignore=shutil.ignore_patterns("__pycache__"))
    return base


def run(command: str, cwd: Path) -> tuple[list[str], int]:
    """Run one documented command in `cwd`: its output lines (stdout and stderr, as a terminal shows
    them) and its exit status."""
    words = shlex.split(command.replace("\\\n", " "))
    source = target = None
    if "<" in words:
        at = words.index("<")
        source, words = cwd / words[at + 1], words[:at] + words[at + 2 :]
    if ">" in words:
        at = words.index(">")
        target, words = cwd / words[at + 1], words[:at] + words[at + 2 :]
    stdin = source.read_text(encoding="utf-8") if source else None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
    if words[0] == "opsadvisor":
        output, status = _opsadvisor(words[1:], cwd, stdin, target)
    else:
        done = subprocess.run(words, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
        output, status = done.stdout + done.stderr, done.returncode
        if target is not None:
            target.write_text(done.stdout, encoding="utf-8")
            output = done.stderr
    return output.splitlines(), status


def _opsadvisor(args: list[str], cwd: Path, stdin: str | None, target: Path | None) -> tuple[str, int]:
    from click.testing import CliRunner

    from opsadvisor.cli import main

    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, args, input=stdin, env=ENV, prog_name="opsadvisor")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if target is None:
        return result.output, result.exit_code
    target.write_text(result.stdout, encoding="utf-8")
    return result.stderr, result.exit_code


def steps(block: str) -> list[Step]:
    found: list[Step] = []
    lines = block.splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            raise ValueError(f"a console block must start with '$ ': {lines[index]!r}")
        command = [lines[index][2:]]
        while command[-1].endswith("\\"):
            index += 1
            command.append(lines[index])
        index += 1
        shown = []
        while index < len(lines) and not lines[index].startswith("$ "):
            shown.append(lines[index])
            index += 1
        found.append(Step("\n".join(command), shown))
    return found


def render(step: Step, output: list[str], status: int) -> list[str]:
    """The lines a block shows for a step: the output, elided where the document elides it."""
    if status:
        output = [*output, f"[exit status {status}]"]
    if ELIDED in step.shown:
        at = step.shown.index(ELIDED)
        head, tail = at, len(step.shown) - at - 1
        if len(output) > head + tail + 1:
            output = [*output[:head], ELIDED, *(output[len(output) - tail :] if tail else [])]
    return ["$ " + step.command, *output]


def session(block: str, cwd: Path) -> list[str]:
    """A ```pycon block as Python prints it now: each statement run in `cwd`, in one namespace, in the
    documented environment, followed by what it printed."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    lines = block.splitlines()
    shown: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith(PROMPT):
            raise ValueError(f"a pycon block must start with '{PROMPT}': {lines[index]!r}")
        source = [lines[index][len(PROMPT) :]]
        shown.append(lines[index])
        index += 1
        while index < len(lines) and lines[index].startswith(MORE):
            source.append(lines[index][len(MORE) :])
            shown.append(lines[index])
            index += 1
        while index < len(lines) and not lines[index].startswith(PROMPT):
            index += 1  # what the document shows it printing: replaced by what it prints
        shown += _printed("\n".join(source), namespace, cwd)
    return shown


def _printed(source: str, namespace: dict[str, object], cwd: Path) -> list[str]:
    """What one interactive statement prints (an expression's value included, as `single` mode shows it)."""
    printed = io.StringIO()
    with contextlib.chdir(cwd), _environment(), contextlib.redirect_stdout(printed):
        exec(compile(source + "\n", "<pycon>", "single"), namespace)
    return printed.getvalue().splitlines()


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    """os.environ as ENV sets it (None: unset), restored afterwards."""
    saved = {name: os.environ.get(name) for name in ENV}
    try:
        for name, value in ENV.items():
            _set(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def current(path: Path, folder: Path) -> str:
    """The document with every console block's output as the commands print it now, and every pycon
    block's as Python prints it."""
    text = path.read_text(encoding="utf-8")

    def regenerate(match: re.Match[str]) -> str:
        lines: list[str] = []
        for step in steps(match.group(1)):
            output, status = run(step.command, folder)
            lines += render(step, output, status)
        return "```console\n" + "\n".join(lines) + "\n```"

    def rerun(match: re.Match[str]) -> str:
        return "```pycon\n" + "\n".join(session(match.group(1), folder)) + "\n```"

    return PYCON.sub(rerun, BLOCK.sub(regenerate, text))


def regenerated(name: str) -> tuple[str, str]:
    """(as written, as the commands print it now) for one of FILES, run in a fresh folder."""
    path = ROOT / name
    with tempfile.TemporaryDirectory() as base:
        return path.read_text(encoding="utf-8"), current(path, fresh_folder(Path(base)))


def without_rules_version(text: str) -> str:
    return RULES_VERSION.sub(RULES_VERSION_SHOWN, text)


def stale(name: str) -> tuple[str, str]:
    """(as written, as it should read) for one of FILES, the rules version normalised in both."""
    written, wanted = regenerated(name)
    return without_rules_version(written), without_rules_version(wanted)


def main(argv: list[str]) -> int:
    update = "--update" in argv
    named = [arg for arg in argv if arg != "--update"]
    unknown = [name for name in named if name not in FILES]
    if unknown:
        print(f"not a documented file: {', '.join(unknown)}; the files are: {', '.join(FILES)}", file=sys.stderr)
        return 2
    failed = False
    for name in named or FILES:
        written, wanted = regenerated(name)
        if without_rules_version(written) == without_rules_version(wanted):
            continue
        if update:
            (ROOT / name).write_text(wanted, encoding="utf-8")
            print(f"updated {name}")
        else:
            failed = True
            sys.stdout.writelines(difflib.unified_diff(written.splitlines(True), wanted.splitlines(True), name, name))
    if failed:
        print("\nstale command output: run `python tools/docblocks.py --update` and read the diff", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
