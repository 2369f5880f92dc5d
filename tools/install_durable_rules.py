"""Install durable_rules into this Python, also on Python 3.13 and later, where its last release does not build.

durable_rules 2.0.28 (the last release, sdist only) calls `PyEval_CallObject`, which Python 3.13 removed;
upstream fixed it (`PyObject_CallObject`, the same call) but never released the fix. On Python 3.13+ this
script downloads that release's sdist from the package registry, checks its SHA-256, makes that one-word
replacement in its C source, builds a wheel and installs it, so that `pip install .` finds durable_rules
installed. On Python 3.11 and 3.12 it does nothing: `pip install .` builds the release as it is.

    .venv/bin/python tools/install_durable_rules.py

Nothing of durable_rules is kept in this repository: the source comes from the registry at install time.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

RELEASE = "durable-rules==2.0.28"
SDIST = "durable_rules-2.0.28.tar.gz"
SDIST_SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
REMOVED_CALL, SAME_CALL = "PyEval_CallObject(", "PyObject_CallObject("


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], check=True)


def patched_source(folder: Path) -> Path:
    """The release's sdist, downloaded into `folder`, checked and unpacked, with the removed call replaced."""
    pip("download", "--quiet", "--no-deps", "--no-binary", ":all:", RELEASE, "--dest", str(folder))
    archive = folder / SDIST
    found = hashlib.sha256(archive.read_bytes()).hexdigest()
    if found != SDIST_SHA256:
        sys.exit(f"{SDIST}: SHA-256 {found}, expected {SDIST_SHA256}: not the release this script patches")
    with tarfile.open(archive) as sdist:
        sdist.extractall(folder, filter="data")
    source = folder / SDIST.removesuffix(".tar.gz")
    replaced = 0
    for path in sorted((source / "src" / "rulespy").glob("*.c")):
        text = path.read_text(encoding="utf-8")
        replaced += text.count(REMOVED_CALL)
        path.write_text(text.replace(REMOVED_CALL, SAME_CALL), encoding="utf-8")
    if not replaced:
        sys.exit(f"{SDIST}: no {REMOVED_CALL} call found to replace")
    return source


def main() -> int:
    if sys.version_info < (3, 13):
        print(f"Python {sys.version.split()[0]}: {RELEASE} builds as released; nothing to do")
        return 0
    with tempfile.TemporaryDirectory() as work:
        source = patched_source(Path(work))
        pip("install", "--quiet", str(source))
    print(f"Python {sys.version.split()[0]}: installed {RELEASE} built with {SAME_CALL[:-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
