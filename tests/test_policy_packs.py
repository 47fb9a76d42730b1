"""Policy packs as user data: a bad pack is refused whole with every error and its line; a user's own
pack (here the fictional Ruritanian regime) works without touching code."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.engine import Engine
from clearance.errors import NotFoundError, PackError
from clearance.policy import PolicySet, builtin_pack_dirs, load_pack
from clearance.settings import Settings


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


BAD_HEADER = """
pack:
  name: Bad Name
  title: A pack with mistakes
sources:
  G1: "Gazette 1"
"""

BAD_RULES = """
jurisdictions:
  - id: RT
    name: Ruritania
    nexus: persons
    countries: [XX]
rules:
  - id: RT.ONE
    jurisdiction: RT
    title: first rule
    effect: FORBIDDEN
    colour: red
    when:
      places: {zones: [ZONE.NOWHERE]}
    valid_from: 2024-02-30
    certainty: verified
    sources: [G1, G9]
  - id: RT.TWO
    jurisdiction: RT
    title: licence rule without review policy
    effect: LICENSE_REQUIRED
    when: {kinds: [flight, teleport]}
    certainty: probable
    sources: [G1]
"""

DUPLICATE = """
listings:
  - id: RT.ONE
    subject: NOBODY
    jurisdiction: RT
    measure: asset_freeze
    certainty: verified
    sources: [G1]
"""


def test_a_pack_with_errors_is_refused_whole_with_every_error_and_line(tmp_path: Path) -> None:
    folder = _write(tmp_path / "bad", {"pack.yml": BAD_HEADER, "rules.yml": BAD_RULES, "zz_more.yml": DUPLICATE})
    with pytest.raises(PackError) as info:
        load_pack(folder)
    errors = info.value.errors
    pack, rules, more = (str(folder / n) for n in ("pack.yml", "rules.yml", "zz_more.yml"))
    expected = [
        f"{pack}:2: pack.name: 'Bad Name' is not a pack name",
        f"{pack}:2: pack.version: missing",
        f"{rules}:5: jurisdictions[0].countries[0]: unknown country 'XX'",
        f"{rules}:10: rules[0].effect: unknown value 'FORBIDDEN'",
        f"{rules}:11: rules[0].colour: unknown field",
        f"{rules}:14: rules[0].valid_from: '2024-02-30' is not a date",
        f"{rules}:16: rules[0].sources[1]: unknown source key 'G9'",
        f"{rules}:13: rules[0].when.places.zones: unknown zone 'ZONE.NOWHERE'",
        f"{rules}:17: rules[1].review: missing",
        f"{rules}:21: rules[1].when.kinds[1]: unknown value 'teleport'",
        f"{rules}:22: rules[1].certainty: unknown value 'probable'",
        f"{rules}:7: rules[0]: duplicate id 'RT.ONE' (already declared at zz_more.yml:2)",
        f"{more}:3: listings[0].subject: unknown subject 'NOBODY'",
    ]
    for fragment in expected:
        assert any(e.startswith(fragment) for e in errors), f"{fragment!r} not in:\n" + "\n".join(errors)
    assert len(errors) == len(expected), "\n".join(errors)
    assert f"{len(expected)} error(s)" in str(info.value)


def test_yaml_syntax_and_duplicate_keys_are_located(tmp_path: Path) -> None:
    folder = _write(tmp_path / "broken", {
        "pack.yml": 'pack: {name: broken, version: "1", title: Broken}\npack: {name: again}\n',
        "rules.yml": "rules:\n  - id: A\n    title: [unclosed\n",
    })
    with pytest.raises(PackError) as info:
        load_pack(folder)
    joined = "\n".join(info.value.errors)
    assert f"{folder / 'pack.yml'}:2: duplicate key 'pack' (first at line 1)" in joined
    assert f"{folder / 'rules.yml'}:" in joined and "YAML syntax error" in joined


def test_an_authorization_cannot_cover_another_jurisdictions_rule(tmp_path: Path) -> None:
    folder = _write(tmp_path / "cross", {
        "pack.yml": 'pack: {name: cross, version: "1", title: C}\nsources: {G1: g}\n',
        "rules.yml": """
            jurisdictions:
              - {id: A.TREASURY, name: A, nexus: persons}
              - {id: A.COMMERCE, name: B, nexus: ear}
            rules:
              - {id: EXPORT.RULE, jurisdiction: A.COMMERCE, title: t, effect: PROHIBITED, when: {kinds: [export]},
                 certainty: verified, sources: [G1]}
            authorizations:
              - id: GL.1
                jurisdiction: A.TREASURY
                kind: general_license
                title: a licence of the other agency
                covers: {rules: [EXPORT.RULE]}
                certainty: verified
                sources: [G1]
        """,
    })
    with pytest.raises(PackError) as info:
        load_pack(folder)
    assert info.value.errors == [f"{folder / 'rules.yml'}:8: authorization GL.1 (A.TREASURY) covers EXPORT.RULE of "
                                 "A.COMMERCE (expected rules and programs of A.TREASURY only)"]


def test_unknown_airport_in_a_zone_is_an_error(tmp_path: Path) -> None:
    folder = _write(tmp_path / "zones", {
        "pack.yml": 'pack: {name: zones, version: "1", title: Z}\nsources: {G1: g}\n',
        "zones.yml": "zones:\n  - id: Z1\n    name: zone\n    places: [{airport: QQQ, certainty: verified}]\n"
                     "    certainty: verified\n    sources: [G1]\n",
    })
    with pytest.raises(PackError) as info:
        load_pack(folder, airport_exists=lambda code: code != "QQQ")
    assert any(":4: zones[0].places[0].airport: unknown airport 'QQQ'" in e for e in info.value.errors)


def test_the_shipped_belarus_pack_loads() -> None:
    packs = PolicySet.load(builtin_pack_dirs()).packs
    belarus = next(p for p in packs if p.name == "belarus")
    summary = belarus.summary()
    assert summary["jurisdictions"] == ["US.OFAC", "US.BIS", "EU", "UK"]
    assert all(r.provenance.sources for r in belarus.rules + belarus.listings)  # every rule cites a source
    assert {a.id for a in belarus.authorizations} >= {"US.OFAC.BELARUS.GL11", "US.OFAC.BELARUS.GL12",
                                                      "US.OFAC.BELARUS.GL13", "US.BIS.BELAVIA_LETTER_2025"}


RURITANIA = {
    "pack.yml": """
        # A fictional regime, to show that a user adds a pack without touching code.
        pack:
          name: ruritania
          version: "2026.1"
          title: Ruritanian sanctions (fictional)
          period: {from: 2020-01-01}
        sources:
          RG1: "Ruritanian Official Gazette No. 1 (fictional)"
    """,
    "regime.yml": """
        jurisdictions:
          - id: RURITANIA
            name: Kingdom of Ruritania
            nexus: persons
            ownership: {threshold: 0.25, inclusive: true, aggregate: true, certainty: verified, sources: [RG1]}
          - id: EU                       # defined by the Belarus pack: this pack only adds to it
        subjects:
          - id: PER.BLACK_MICHAEL
            type: person
            names: [Michael Elphberg, Black Michael]
          - id: ENT.STRELSAU_ARMS
            type: company
            names: [Strelsau Arms Works]
            identifiers: {registration: RT-0001}
        listings:
          - id: RURITANIA.LIST.BLACK_MICHAEL
            subject: PER.BLACK_MICHAEL
            jurisdiction: RURITANIA
            measure: asset_freeze
            valid_from: 2024-01-01
            certainty: verified
            sources: [RG1]
          - id: RURITANIA.EU_WATCH.STRELSAU
            subject: ENT.STRELSAU_ARMS
            jurisdiction: EU
            measure: asset_freeze
            valid_from: 2025-03-01
            certainty: reported
            sources: [RG1]
        rules:
          - id: RURITANIA.ARMS_TO_BY
            jurisdiction: RURITANIA
            title: No arms (HS 93) to Belarus
            effect: PROHIBITED
            when:
              items: {hs_prefixes: ["93"]}
              destination: {countries: [BY]}
            valid_from: 2023-06-01
            certainty: verified
            sources: [RG1]
        authorizations:
          - id: RURITANIA.HUMANITARIAN
            jurisdiction: RURITANIA
            kind: general_license
            title: Humanitarian derogation
            covers: {rules: [RURITANIA.ARMS_TO_BY]}
            scope: {purposes: [humanitarian]}
            certainty: verified
            sources: [RG1]
    """,
}


@pytest.fixture
def ruritania(tmp_path: Path) -> Path:
    return _write(tmp_path / "packs" / "ruritania", RURITANIA)


@pytest.fixture
def user_engine(tmp_path: Path, ruritania: Path, db_path: str) -> Iterator[Engine]:
    settings = Settings(db=db_path, packs_dir=str(ruritania.parent), cache_dir=str(tmp_path / "cache"))
    with Engine(settings=settings) as engine:
        yield engine


def test_a_user_pack_gives_verdicts_beside_the_shipped_one(user_engine: Engine) -> None:
    assert [p.name for p in user_engine.packs()] == ["belarus", "ruritania"]
    owned = {"kind": "counterparty", "date": "2025-06-01",
             "parties": [{"role": "counterparty", "name": "Zenda Holdings", "owners": [{"name": "Black Michael",
                                                                                        "share": 0.3}]}]}
    verdict = user_engine.check(owned)
    assert verdict.verdicts["RURITANIA"].outcome.value == "BLOCKED"
    assert verdict.verdicts["RURITANIA"].deciding_rule == "RURITANIA.OWNERSHIP"  # its own 25% threshold
    assert verdict.verdicts["US.OFAC"].outcome.value == "PERMITTED"
    assert {p.name for p in verdict.packs} == {"belarus", "ruritania"}
    assert user_engine.check(owned, at="2023-12-31").verdicts["RURITANIA"].outcome.value == "PERMITTED"

    arms = {"kind": "export", "date": "2025-06-01", "parties": [{"role": "exporter", "name": "Strelsau Arms Works"}],
            "items": [{"description": "rifles", "hs": "930320"}], "destination": {"country": "BY"}}
    result = user_engine.check(arms)
    assert result.verdicts["RURITANIA"].outcome.value == "PROHIBITED"
    assert result.verdicts["EU"].outcome.value == "BLOCKED"  # the user's EU listing, added to the EU evaluator
    assert result.verdicts["EU"].deciding_rule == "RURITANIA.EU_WATCH.STRELSAU"
    humanitarian = user_engine.check({**arms, "purpose": "humanitarian"})
    assert humanitarian.verdicts["RURITANIA"].outcome.value == "AUTHORIZED"


def test_pack_subjects_become_screenable_entities_once(user_engine: Engine, tmp_path: Path, ruritania: Path) -> None:
    user_engine.packs()
    sources = {v.source: v for v in user_engine.lists()}
    assert {"pack:belarus", "pack:ruritania"} <= set(sources)
    entity = user_engine.entity("pack:ruritania:ENT.STRELSAU_ARMS").entity
    assert entity.names[0].value == "Strelsau Arms Works"
    assert entity.record["listings"][0]["jurisdiction"] == "EU"
    belavia = user_engine.entity("pack:belarus:ENT.BELAVIA").entity
    assert any(i.value == "600390798" for i in belavia.identifiers)
    with Engine(settings=user_engine.settings) as again:  # a second start ingests nothing new
        again.packs()
        assert [v.id for v in again.versions("pack:ruritania")] == [sources["pack:ruritania"].id]


def test_selecting_packs_by_name_and_path(ruritania: Path, new_db: Callable[[str], str]) -> None:
    tx = {"kind": "counterparty", "date": "2025-06-01", "parties": [{"role": "counterparty", "name": "Black Michael"}]}
    with Engine(new_db("other")) as engine:  # no CLEARANCE_PACKS_DIR: only the shipped pack is installed
        assert set(engine.check(tx).verdicts) == {"US.OFAC", "US.BIS", "EU", "UK"}
        both = engine.check(tx, packs=["belarus", str(ruritania)])
        assert both.verdicts["RURITANIA"].outcome.value == "BLOCKED"
        assert [p.name for p in both.packs] == ["belarus", "ruritania"]
        with pytest.raises(NotFoundError):
            engine.check(tx, packs=["atlantis"])


def test_a_pack_that_only_references_an_undefined_jurisdiction_is_refused(ruritania: Path, db_path: str) -> None:
    with Engine(db_path) as engine, pytest.raises(PackError) as info:
        engine.policy([str(ruritania)])
    assert "jurisdiction 'EU' is referenced but no loaded pack defines it" in str(info.value)
