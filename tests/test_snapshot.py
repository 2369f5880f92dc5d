"""The compiled-pack snapshot (rulepack/snapshot.py): a pack taken from it reports byte for byte what a
pack read from the rule files reports, and a snapshot that is corrupt, truncated, foreign, stale or
written halfway is never used, nor an error."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opsadvisor import api, durable_backend
from opsadvisor.errors import RulesError
from opsadvisor.formats import ASSESSMENT
from opsadvisor.rulepack import layering, snapshot
from opsadvisor.rulepack.ir import RulePack

from .helpers import ROOT, SCENARIOS

AS_OF = "2026-11-30"
EXTRA = ROOT / "docs" / "examples" / "acme-rules"
TABLES = ROOT / "docs" / "examples" / "tables" / "acme-tables"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def bundled_copy(tmp_path: Path) -> Path:
    """The bundled rules as a layer of their own (for --no-default-rules, and to edit)."""
    return Path(shutil.copytree(layering.default_rules_dir(), tmp_path / "rules"))


def snapshots(folder: Path) -> list[Path]:
    return sorted(folder.glob("pack-*.snapshot"))


def fresh(monkeypatch: pytest.MonkeyPatch, extra: list[Path], include_default: bool) -> RulePack:
    """The pack read from its rule files, no cache at all."""
    with monkeypatch.context() as patched:
        patched.setenv("OPSADVISOR_CACHE_DIR", "")
        return layering.load_pack(extra, include_default)


def from_snapshot(monkeypatch: pytest.MonkeyPatch, extra: list[Path], include_default: bool) -> RulePack:
    """The pack as the next process gets it: from the snapshot the first load wrote (nothing is built)."""
    layering.load_pack(extra, include_default)

    def refuse(*_: object) -> RulePack:
        raise AssertionError("the pack was built again instead of taken from its snapshot")

    with monkeypatch.context() as patched:
        patched.setattr(layering, "_build", refuse)
        return layering.load_pack(extra, include_default)


def reports(pack: RulePack) -> Iterator[tuple[str, str]]:
    """Every bundled scenario's report in every format, with and without the trace."""
    for path in sorted(SCENARIOS.glob("*.json")):
        assessment = api.assess(path, rules=pack, as_of=AS_OF)
        for name in ASSESSMENT.names:
            for explain in (False, True):
                shown = ASSESSMENT.render(name, assessment, explain=explain, width=100, colour=False)
                yield f"{path.name} {name} explain={explain}", shown


@pytest.mark.parametrize(
    ("layers", "include_default"),
    [((), True), ((EXTRA,), True), ((EXTRA, TABLES), True), (("copy",), False)],
    ids=["default", "rules-extra", "rules-extra-and-tables", "no-default-rules"],
)
def test_a_pack_from_its_snapshot_reports_what_the_rule_files_do(
    cache: Path,
    bundled_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    layers: tuple[object, ...],
    include_default: bool,
) -> None:
    extra = [bundled_copy if layer == "copy" else Path(str(layer)) for layer in layers]
    expected = fresh(monkeypatch, extra, include_default)
    taken = from_snapshot(monkeypatch, extra, include_default)
    assert len(snapshots(cache)) == 1
    assert taken == expected and snapshot.encode(taken) == snapshot.encode(expected)
    assert dict(reports(taken)) == dict(reports(expected))


def test_every_value_of_the_bundled_pack_comes_back_of_the_same_type(cache: Path) -> None:
    pack = layering.load_pack()
    again = snapshot.decode(marshal.loads(marshal.dumps(snapshot.encode(pack))))
    assert snapshot.encode(again) == snapshot.encode(pack)  # tuples stay tuples, YAML lists keep their lines
    assert again.tables[2].rows[0].cells[0].item_lines == pack.tables[2].rows[0].cells[0].item_lines
    assert again.compiled == {} and again.compiled is not pack.compiled


def test_a_rule_file_edited_after_the_snapshot_is_seen_even_when_its_time_and_size_stay(
    cache: Path, bundled_copy: Path
) -> None:
    layering.load_pack([bundled_copy], include_default=False)
    file = bundled_copy / "10-ambition.yaml"
    before = file.stat()
    text = file.read_text(encoding="utf-8")
    assert "Establish the operate-ownership ambition first" in text
    file.write_text(text.replace("ambition first", "AMBITION FIRST"), encoding="utf-8")  # the same size
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))  # and a clock that lies
    pack = layering.load_pack([bundled_copy], include_default=False)
    assert pack.rule("ambition.undecided.establish").title == "Establish the operate-ownership AMBITION FIRST"


def test_a_rule_file_with_an_error_after_the_snapshot_is_an_error(cache: Path, bundled_copy: Path) -> None:
    layering.load_pack([bundled_copy], include_default=False)
    file = bundled_copy / "10-ambition.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("priority: 0", "priority: high", 1), encoding="utf-8")
    with pytest.raises(RulesError):
        layering.load_pack([bundled_copy], include_default=False)


def _damaged(entry: bytes, header: bytes) -> dict[str, bytes]:
    return {
        "truncated": header + b"\n" + entry[: len(entry) // 2],
        "garbage": b"not a snapshot at all",
        "empty": b"",
        # the same length, one title changed: it would decode, but its hash is not the header's
        "edited": header + b"\n" + entry.replace(b"ambition first", b"AMBITION FIRST"),
        "foreign": header.replace(b"key=", b"key=0") + b"\n" + entry,  # another key's snapshot under this name
    }


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "edited", "foreign"])
def test_a_damaged_snapshot_is_ignored_and_written_again(cache: Path, damage: str) -> None:
    expected = layering.load_pack()
    (path,) = snapshots(cache)
    header, _, entry = path.read_bytes().partition(b"\n")
    path.write_bytes(_damaged(entry, header)[damage])
    pack = layering.load_pack()
    assert snapshot.encode(pack) == snapshot.encode(expected)
    assert pack.rule("ambition.undecided.establish").title == "Establish the operate-ownership ambition first"
    assert path.read_bytes().partition(b"\n")[2] == entry  # rebuilt and written whole again


def _signed(path: Path, key: str, value: object, kind: str = "pack") -> None:
    """A snapshot holding `value`, its header right: only the decoding stands between it and the pack."""
    entry = marshal.dumps(value)
    digest = hashlib.sha256(entry).hexdigest()
    path.write_bytes(f"opsadvisor-{kind} {snapshot.SNAPSHOT_FORMAT} key={key} entry={digest}".encode() + b"\n" + entry)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rules", ((b"os:system", "echo owned"),)),  # a class that is not the pack's
        ("processes", ((b"opsadvisor.rulepack.ir:Process", "too", "many", "fields", "here"),)),
        ("version", compile("print('owned')", "<snapshot>", "exec")),  # marshal holds code: never run, refused
        ("version", b"bytes"),
        ("questions", {1j: "a complex key"}),
        ("", ("not", "a", "pack")),
    ],
    ids=["foreign-class", "wrong-fields", "code", "bytes", "complex", "not-a-pack"],
)
def test_a_snapshot_holding_what_no_pack_holds_is_ignored(cache: Path, field: str, value: object) -> None:
    expected = layering.load_pack()
    (path,) = snapshots(cache)
    key = path.read_bytes().partition(b"\n")[0].split(b"key=")[1].split(b" ")[0].decode()
    encoded = list(snapshot.encode(expected))
    if field:
        encoded[1 + [item.name for item in dataclasses.fields(RulePack) if item.init].index(field)] = value
    _signed(path, key, tuple(encoded) if field else value)
    assert snapshot.encode(layering.load_pack()) == snapshot.encode(expected)


# --- the network's plan, kept beside the pack (durable_backend._Plan) ----------------------------------


def networks(folder: Path) -> list[Path]:
    return sorted(folder.glob("network-*.snapshot"))


def _made_again(*_: object) -> None:
    raise AssertionError("the network's plan was made again instead of taken from the cache")


@pytest.mark.parametrize("spread", [False, True], ids=["one-ruleset", "spread-over-rulesets"])
def test_a_network_from_its_kept_plan_reports_what_one_made_anew_does(
    cache: Path, monkeypatch: pytest.MonkeyPatch, spread: bool
) -> None:
    api.assessor_for(layering.load_pack())  # the plan under the engine's limits, made and kept
    if spread:  # under other limits, the same rules make another plan
        monkeypatch.setattr(durable_backend, "MAX_RULES", 4)  # 3 rules and the warm-up per ruleset
        api.assessor_for(layering.load_pack())
    assert len(networks(cache)) == (2 if spread else 1)
    expected = dict(reports(fresh(monkeypatch, [], True)))  # no cache: the plan made, not kept
    monkeypatch.setattr(durable_backend, "_plan", _made_again)
    pack = layering.load_pack()  # the next process's: its network from the kept plan
    rulesets = len(api.assessor_for(pack).engine._rules._network._rulesets)
    assert rulesets > 10 if spread else rulesets == 1
    assert dict(reports(pack)) == expected


def test_a_plan_is_kept_only_for_rules_the_engine_can_take(cache: Path, tmp_path: Path) -> None:
    layer = tmp_path / "layer"
    layer.mkdir()
    alternatives = [{"criticality": ["high", "critical"], "users": {"gt": n}} for n in range(16)]
    rule = {"id": "wide-any", "title": "Wide", "rationale": "test", "when": {"any": alternatives}}
    (layer / "90-wide.yaml").write_text(json.dumps({"rules": [{**rule, "then": [{"next_step": "x"}]}]}))
    for _ in range(2):  # the second time too: no plan kept lets it past the limits
        with pytest.raises(RulesError, match="rule wide-any: one of its 'any' groups"):
            api.assessor_for(layering.load_pack([layer]))
    assert networks(cache) == []


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "empty", "edited", "foreign", "not-a-plan", "code", "other-rules"]
)
def test_a_damaged_network_plan_is_ignored_and_kept_again(cache: Path, damage: str) -> None:
    expected = dict(reports(layering.load_pack()))
    (path,) = networks(cache)
    whole = path.read_bytes()
    header, _, entry = whole.partition(b"\n")
    key = header.split(b"key=")[1].split(b" ")[0].decode()
    if damage == "not-a-plan":
        _signed(path, key, ("not", "a", "plan"), "network")
    elif damage == "other-rules":  # a plan whose rules are not these (in another order): a key that lied
        plan = durable_backend._Plan(*snapshot.read_kept(cache, "network", key))
        _signed(path, key, tuple(plan._replace(order=dict(reversed(plan.order.items())))), "network")
    elif damage == "code":
        _signed(path, key, tuple(compile("print('owned')", "<plan>", "exec") for _ in range(6)), "network")
    else:
        path.write_bytes(_damaged(entry, header)[damage].replace(b"ambition", b"AMBITION"))
    assert dict(reports(layering.load_pack())) == expected
    assert path.read_bytes() == whole  # made and kept whole again


WRITE_WITH_A_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from opsadvisor.rulepack import layering, snapshot
pack = layering.load_pack()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))  # the disk is full at 64 KB
snapshot.write(Path(sys.argv[1]), sys.argv[2], pack)
"""


def test_a_write_that_fails_halfway_leaves_the_snapshot_there_whole(cache: Path) -> None:
    layering.load_pack()
    (path,) = snapshots(cache)
    whole = path.read_bytes()
    key = whole.partition(b"\n")[0].split(b"key=")[1].split(b" ")[0].decode()
    env = {**os.environ, "OPSADVISOR_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-c", WRITE_WITH_A_FULL_DISK, str(cache), key], env=env, check=True)
    assert len(whole) > 64 * 1024 and path.read_bytes() == whole
    assert not [name for name in os.listdir(cache) if not name.endswith((".json", ".snapshot"))]  # no temporary


def test_no_cache_folder_or_one_that_cannot_be_written_means_no_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = fresh(monkeypatch, [], True)
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", "")  # disabled
    assert layering.load_pack() == expected
    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setenv("OPSADVISOR_CACHE_DIR", str(blocked / "cache"))  # cannot be made
    assert layering.load_pack() == expected
    assert list(tmp_path.iterdir()) == [blocked]


@pytest.mark.slow
def test_processes_starting_together_with_one_cache_each_report_the_same(tmp_path: Path) -> None:
    """Four `assess` processes at once on an empty cache folder (a batch and its neighbours starting
    together): each writes the snapshot, none reads one halfway, all report what the rule files say."""
    env = {**os.environ, "OPSADVISOR_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-c", "from opsadvisor.cli import main; main()", "assess"]
    command += [str(SCENARIOS / "payroll-it-operated.json")]
    command += ["--format", "json", "--as-of", AS_OF]
    for _ in range(3):
        started = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE) for _ in range(4)]
        outputs = {process.communicate()[0] for process in started}
        assert all(process.returncode == 0 for process in started)
        assert len(outputs) == 1
    fresh_env = {**env, "OPSADVISOR_CACHE_DIR": ""}
    assert outputs == {subprocess.run(command, env=fresh_env, stdout=subprocess.PIPE, check=True).stdout}
    assert len(snapshots(tmp_path / "cache")) == 1


def test_a_plans_key_follows_the_rules_their_order_and_priorities(cache: Path) -> None:
    """The agenda's order (priority, then the rules' order) is in the plan: a key that missed either would
    hand a reordered pack the plan of another."""
    definitions = {rule.id: durable_backend.compile_rule(rule) for rule in layering.load_pack().rules}
    first = next(iter(definitions))
    variants = [
        definitions,
        dict(reversed(definitions.items())),
        {**definitions, first: {**definitions[first], "pri": definitions[first]["pri"] + 1}},
        {name: definition for name, definition in definitions.items() if name != first},
    ]
    assert len({durable_backend._kept_plan(variant)[1] for variant in variants}) == len(variants)


def test_only_the_snapshots_written_last_are_kept_of_each_kind(cache: Path) -> None:
    """Every edit of the rules writes a pack snapshot and a plan: the folder keeps the KEPT newest of each
    kind, the one just written among them, the other kinds' files, and any file that is not a snapshot."""
    snapshot.write_kept(cache, "network", "f" * 64, ("a plan",))
    mine = cache / "pack-of-cards.snapshot"  # the user's own, in a folder they chose
    mine.write_text("not ours")
    os.utime(mine, ns=(0, 0))
    for number in range(snapshot.KEPT + 4):
        snapshot.write_kept(cache, "pack", f"{number:032x}" * 2, ("a pack", number))
        (written,) = cache.glob(f"pack-{number:032x}.snapshot")
        os.utime(written, ns=(number * 10**9, number * 10**9))  # written in this order, a second apart
    kept = sorted(int(path.name[5:37], 16) for path in cache.glob("pack-*.snapshot") if path != mine)
    assert mine.read_text() == "not ours"
    assert kept == list(range(4, snapshot.KEPT + 4))
    assert snapshot.read_kept(cache, "pack", f"{snapshot.KEPT + 3:032x}" * 2) == ("a pack", snapshot.KEPT + 3)
    assert snapshot.read_kept(cache, "network", "f" * 64) == ("a plan",)
