"""The Belarus pack's EU facts against the EU annexes of Reg. 765/2006 as transcribed by OpenSanctions.

The transcription's licence is non-commercial: it is read here, from the shared data folder, and
never copied into the repository.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from clearance.policy import PolicySet, builtin_pack_dirs

CSV = Path("eu_journal_sanctions_belarus") / "consolidated" / "32006R0765.csv"


def _eu_date(text: str) -> date:
    day, month, year = (int(p) for p in text.split("."))
    return date(year, month, day)


@pytest.mark.realdata
def test_eu_listings_match_the_annexes(data_dir: Path) -> None:
    with (data_dir / CSV).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_ref = {(r["annex"], r["recordId"]): r for r in rows if r["recordId"]}
    pack = next(p for p in PolicySet.load(builtin_pack_dirs()).packs if p.name == "belarus")
    subjects = {s.id: s for s in pack.subjects}
    eu = [x for x in pack.listings if x.jurisdiction == "EU"]
    assert {x.subject for x in eu} >= {"ENT.BELAVIA", "PER.LUKASHENKA.A", "ENT.BELARUSKALI", "ENT.BPC"}
    for listing in eu:
        match = re.fullmatch(r"Annex (I\.[AB]) #(\d+)", listing.reference or "")
        assert match, f"{listing.id}: reference {listing.reference!r} names no annex row"
        row = by_ref.get((match.group(1), match.group(2)))
        assert row is not None, f"{listing.id}: no row {listing.reference} in {CSV}"
        assert row["measure"] == "Asset freeze" and listing.measure == "asset_freeze", listing.id
        assert listing.validity.start is not None and listing.validity.start.exact
        assert listing.validity.start.earliest == _eu_date(row["startDate"]), listing.id
        assert listing.validity.end is None, f"{listing.id}: still listed in consolidation 02006R0765-20260424"
        subject = subjects[listing.subject]
        assert row["name"] in subject.names, f"{listing.id}: {row['name']!r} not among {subject.names}"
        registration = [v for s, v in subject.identifiers if s.value == "registration"]
        assert registration == ([row["registrationNumber"]] if row["registrationNumber"] else []), listing.id
        aliases = [a.strip() for a in row["alias"].split(";") if a.strip()]
        if listing.subject in ("ENT.BELAVIA", "PER.LUKASHENKA.A"):
            assert set(aliases) & set(subject.names), f"{listing.id}: no alias of {aliases} in the pack"
