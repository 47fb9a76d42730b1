"""The store: versions, no-op re-ingest, diffs, history, atomicity — on a real SQLite file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.errors import ListFormatError, NotFoundError, StoreError
from clearance.store import Store


def test_ingest_creates_version_and_reingest_is_noop(engine: Engine, fixtures: Path) -> None:
    first = engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")[0]
    assert first.created and first.version.entities == 3 and first.added == 3
    again = engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")[0]
    assert not again.created
    assert again.version.id == first.version.id
    assert [v.label for v in engine.versions("custom:watch")] == [first.version.label]


def test_diff_and_history_across_versions(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    edited = tmp_path / "watch.csv"
    text = (fixtures / "custom_list.csv").read_text()
    text = text.replace("A supplier we watch", "A supplier we watch closely")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("p-1,")) + "\n"
    edited.write_text(text + "v-1,vessel,OCEAN STAR,,,PA,imo:9123456,,\n")
    result = engine.ingest([edited], source="custom:watch")[0]
    assert (result.added, result.removed, result.changed) == (1, 1, 1)

    diff = engine.diff("custom:watch")
    assert [c.entity_id for c in diff.added] == ["custom:watch:v-1"]
    assert [c.entity_id for c in diff.removed] == ["custom:watch:p-1"]
    assert [c.entity_id for c in diff.changed] == ["custom:watch:c-1"]
    assert "remarks" in diff.changed[0].fields

    removed = engine.entity("custom:watch:p-1")
    assert not removed.in_latest
    assert [h["status"] for h in removed.history] == ["added", "removed"]
    changed = engine.entity("custom:watch:c-1")
    assert [h["status"] for h in changed.history] == ["added", "changed"]
    old = engine.entity("custom:watch:c-1", version=diff.from_version.label if diff.from_version else None)
    assert old.entity.remarks == "A supplier we watch"


def test_bad_file_leaves_store_untouched(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    bad = tmp_path / "bad.csv"
    shutil.copy(fixtures / "custom_list.csv", bad)
    with bad.open("a") as fh:
        fh.write("x-1,spaceship,NOSTROMO,,,,,,\n")
    with pytest.raises(ListFormatError) as err:
        engine.ingest([bad], source="custom:watch")
    assert "line 5" in str(err.value) and "column type" in str(err.value)
    assert len(engine.versions("custom:watch")) == 1
    assert {e.id for e in engine.entities()} == {
        "custom:watch:ac-1", "custom:watch:p-1", "custom:watch:c-1"
    }


def test_unknown_entity_and_version(engine: Engine, fixtures: Path) -> None:
    engine.ingest([fixtures / "custom_list.csv"], source="custom:watch")
    with pytest.raises(NotFoundError):
        engine.entity("custom:watch:nope")
    with pytest.raises(NotFoundError):
        engine.diff("custom:watch", from_version="19990101-deadbeef")


def test_an_unreachable_database_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as refused:
        Store("postgresql://clearance:s3cret-pass@127.0.0.1:1/nowhere")
    assert refused.value.exit_code == 5 and refused.value.http_status == 503
    assert "s3cret-pass" not in str(refused.value) and "127.0.0.1:1/nowhere" in str(refused.value)
