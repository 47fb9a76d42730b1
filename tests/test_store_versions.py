"""A list that returns to the content of an older version gets a new version of its own."""

from __future__ import annotations

from pathlib import Path

from clearance.engine import Engine


def test_reverting_to_older_content_makes_a_new_version(engine: Engine, fixtures: Path, tmp_path: Path) -> None:
    original = fixtures / "custom_list.csv"
    edited = tmp_path / "watch.csv"
    edited.write_text(original.read_text().replace("A supplier we watch", "A supplier we watch closely"))
    first = engine.ingest([original], source="custom:watch")[0].version
    engine.ingest([edited], source="custom:watch")
    reverted = engine.ingest([original], source="custom:watch")[0]
    assert reverted.created and reverted.changed == 1
    assert reverted.version.sha256 == first.sha256
    assert reverted.version.label == first.label + "-2"
    assert [v.label for v in engine.versions("custom:watch")][::2] == [first.label, first.label + "-2"]
    assert engine.diff("custom:watch").changed[0].entity_id == "custom:watch:c-1"
    again = engine.ingest([edited], source="custom:watch")[0]
    assert again.version.label.endswith("-2")
