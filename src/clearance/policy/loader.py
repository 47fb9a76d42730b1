"""Load a policy pack folder: every error at once, each with file and line; a bad pack is refused whole.

A pack is a folder with a ``pack.yml`` (name, version, title, period, sources) and any number of
other ``*.yml`` files, each holding any of the sections ``jurisdictions``, ``country_sets``,
``programs``, ``subjects``, ``listings``, ``zones``, ``rules``, ``authorizations``,
``operational`` and ``ear``. The format is documented in ``packs/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from clearance.errors import PackError
from clearance.model.entity import EntityType, IdScheme
from clearance.model.transaction import ACTIVITIES, KINDS, MODES, PERSON_FLAGS, PURPOSES
from clearance.model.verdict import Certainty, Outcome
from clearance.policy.reader import PackReader, country_problem, currency_problem, subdivision_problem
from clearance.policy.schema import (
    CONTROL_LEVELS,
    DEFAULT_PLACE_ROLES,
    EFFECTS,
    PLACE_ROLES,
    REVIEW_POLICIES,
    AircraftScope,
    Authorization,
    Conditions,
    Constraint,
    EarReference,
    Exclusion,
    ItemTest,
    Jurisdiction,
    ListBinding,
    Listing,
    OwnedBy,
    OwnershipRule,
    Pack,
    PlaceTest,
    Program,
    Residual,
    Rule,
    Scope,
    Subject,
    Variant,
    Zone,
    ZonePlace,
)
from clearance.policy.validity import Validity
from clearance.policy.yamlfile import LineDict, read_yaml

SECTIONS = ("jurisdictions", "country_sets", "registration_marks", "programs", "subjects", "listings", "zones", "rules",
            "authorizations", "operational", "ear")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
_PROVENANCE = ("certainty", "sources", "legal_basis")
_VALIDITY = ("valid_from", "valid_until")
T = TypeVar("T")


def load_pack(folder: str | Path, airport_exists: Callable[[str], bool] | None = None) -> Pack:
    """Read and validate the pack in ``folder``; raise :class:`PackError` listing every problem."""
    root = Path(folder)
    errors: list[str] = []
    if not (root / "pack.yml").is_file():
        raise PackError([f"{root}: not a policy pack (no pack.yml in the folder)"])
    files = sorted(root.glob("*.yml")) + sorted(root.glob("*.yaml"))
    documents = [(p, read_yaml(p, errors)) for p in files]
    builder = _PackBuilder(root, errors, airport_exists)
    for path, document in documents:
        builder.add_file(path, document)
    pack = builder.finish()
    if errors:
        raise PackError(errors)
    assert pack is not None
    return pack


class _PackBuilder:
    def __init__(self, root: Path, errors: list[str], airport_exists: Callable[[str], bool] | None) -> None:
        self.root = root
        self.errors = errors
        self.airport_exists = airport_exists
        self.header: dict[str, Any] | None = None
        self.sources: dict[str, str] = {}
        self.raw: dict[str, list[tuple[PackReader, int, Any, int]]] = {s: [] for s in SECTIONS}
        self.ids: dict[str, str] = {}  # id -> where first declared
        self.refs: list[tuple[str, str, str, str]] = []  # (namespace, id, file:line, what refers)

    # -- files -------------------------------------------------------------------------
    def add_file(self, path: Path, document: Any) -> None:
        reader = PackReader(path, self.errors)
        if document is None:
            return
        allowed = (("pack", "sources") if path.name == "pack.yml" else ()) + SECTIONS
        top = reader.obj(document, 1, path.stem, allowed)
        if path.name == "pack.yml":
            self._header(reader, top)
        for section in SECTIONS:
            if section not in top:
                continue
            value = top[section]
            if section in ("country_sets", "registration_marks", "ear"):
                self.raw[section].append((reader, top.line_of(section), value, 0))
                continue
            for index, item, line in reader.items(value, top.line_of(section), section):
                self.raw[section].append((reader, index, item, line))

    def _header(self, reader: PackReader, top: LineDict) -> None:
        pack = reader.obj(top.get("pack"), top.line_of("pack"), "pack",
                          ("name", "version", "title", "description", "period"), ("name", "version", "title"))
        name = reader.text(pack, "name", "pack") or ""
        if name and not _NAME.match(name):
            reader.fail(pack.line_of("name"), "pack.name", f"{name!r} is not a pack name", "lower-case a-z0-9_.-")
        period = Validity()
        if "period" in pack:
            p = reader.obj(pack["period"], pack.line_of("period"), "pack.period", ("from", "until"))
            period = Validity(reader.bound(p, "from", "pack.period"), reader.bound(p, "until", "pack.period"))
        sources = top.get("sources")
        if sources is not None:
            src = reader.obj(sources, top.line_of("sources"), "sources", list(sources) if isinstance(sources, dict)
                             else ())
            for key in src:
                text = reader.text(src, key, "sources")
                if text is not None:
                    self.sources[str(key)] = text
        self.header = {
            "name": name,
            "version": reader.text(pack, "version", "pack") or "",
            "title": reader.text(pack, "title", "pack") or "",
            "description": reader.text(pack, "description", "pack") or "",
            "period": period,
        }

    # -- helpers -----------------------------------------------------------------------
    def declare(self, reader: PackReader, ident: str, line: int, where: str) -> None:
        if not ident:
            return
        here = reader.at(line)
        if ident in self.ids:
            reader.fail(line, where, f"duplicate id {ident!r} (already declared at {self.ids[ident]})")
        else:
            self.ids[ident] = here

    def refer(self, namespace: str, ident: str | None, reader: PackReader, line: int, where: str) -> None:
        if ident:
            self.refs.append((namespace, ident, f"{reader.path}:{line}", where))

    def refer_all(self, namespace: str, idents: Iterable[str] | None, reader: PackReader, line: int,
                  where: str) -> None:
        for ident in idents or ():
            self.refer(namespace, ident, reader, line, where)

    # -- sections ----------------------------------------------------------------------
    def finish(self) -> Pack | None:
        if self.header is None:
            self.errors.append(f"{self.root / 'pack.yml'}: the pack header is missing")
            return None
        self.namespaces: dict[str, set[str]] = {}
        country_sets = self._country_sets()
        marks = self._registration_marks()
        jurisdictions = self._each("jurisdictions", self._jurisdiction)
        programs = self._each("programs", self._program)
        subjects = self._each("subjects", self._subject)
        listings = self._each("listings", self._listing)
        zones = self._each("zones", self._zone)
        rules = self._each("rules", self._rule)
        authorizations = self._each("authorizations", self._authorization)
        operational = self._each("operational", self._constraint)
        ear = self._ear()
        self.namespaces.update({
            "jurisdiction": {j.id for j in jurisdictions},
            "program": {p.id for p in programs},
            "subject": {s.id for s in subjects},
            "aircraft": {s.id for s in subjects if s.type is EntityType.AIRCRAFT},
            "zone": {z.id for z in zones},
            "rule": {r.id for r in rules},
            "country_set": {f"@{k}" for k in country_sets},
        })
        for namespace, ident, where, what in self.refs:
            if ident not in self.namespaces.get(namespace, set()):
                self.errors.append(f"{where}: {what}: unknown {namespace} {ident!r}")
        self._same_jurisdiction(authorizations, rules, programs)
        return Pack(
            name=self.header["name"],
            version=self.header["version"],
            title=self.header["title"],
            description=self.header["description"],
            path=str(self.root),
            period=self.header["period"],
            sources=dict(self.sources),
            jurisdictions=tuple(jurisdictions),
            country_sets=country_sets,
            registration_marks=marks,
            programs=tuple(programs),
            subjects=tuple(subjects),
            listings=tuple(listings),
            zones=tuple(zones),
            rules=tuple(rules),
            authorizations=tuple(authorizations),
            operational=tuple(operational),
            ear=ear,
        )

    def _same_jurisdiction(self, authorizations: list[Authorization], rules: list[Rule],
                           programs: list[Program]) -> None:
        """An authorization never cures another agency's prohibition: GL 11 cannot name an EAR rule."""
        owner = {r.id: r.jurisdiction for r in rules} | {p.id: p.jurisdiction for p in programs}
        for auth in authorizations:
            for covered in auth.covers_rules + auth.covers_programs:
                if covered in owner and owner[covered] != auth.jurisdiction:
                    self.errors.append(f"{self.root / auth.provenance.where}: authorization {auth.id} "
                                       f"({auth.jurisdiction}) covers {covered} of {owner[covered]} (expected "
                                       f"rules and programs of {auth.jurisdiction} only)")

    def _each(self, section: str, build: Callable[[PackReader, Any, str, int], T | None]) -> list[T]:
        out: list[T] = []
        for reader, index, item, line in self.raw[section]:
            built = build(reader, item, f"{section}[{index}]", line)
            if built is not None:
                out.append(built)
        return out

    def _country_sets(self) -> dict[str, tuple[str, ...]]:
        sets: dict[str, tuple[str, ...]] = {}
        for reader, line, value, _ in self.raw["country_sets"]:
            d = reader.obj(value, line, "country_sets", list(value) if isinstance(value, dict) else ())
            for key in d:
                codes = reader.strings(d, key, "country_sets", check=country_problem) or ()
                if key in sets:
                    reader.fail(d.line_of(key), f"country_sets.{key}", "declared twice")
                sets[key] = codes
        return sets

    def _registration_marks(self) -> dict[str, str]:
        marks: dict[str, str] = {}
        for reader, line, value, _ in self.raw["registration_marks"]:
            d = reader.obj(value, line, "registration_marks", list(value) if isinstance(value, dict) else ())
            for mark in d:
                country = reader.text(d, mark, "registration_marks")
                problem = country_problem(country) if country else None
                if problem or country is None or country.startswith("@"):
                    reader.fail(d.line_of(mark), f"registration_marks.{mark}", problem or "not a country code")
                    continue
                marks[str(mark)] = country
        return marks

    def _countries(self, reader: PackReader, d: LineDict, key: str, where: str) -> tuple[str, ...] | None:
        codes = reader.strings(d, key, where, check=country_problem)
        for code in codes or ():
            if code.startswith("@"):
                self.refer("country_set", code, reader, d.line_of(key), f"{where}.{key}")
        return codes

    def _jurisdiction(self, r: PackReader, item: Any, where: str, line: int) -> Jurisdiction | None:
        fields = ("id", "name", "nexus", "person_flag", "countries", "currencies", "currency_certainty", "airspace",
                  "ownership", "lists")
        d = r.obj(item, line, where, fields, ("id",))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        if set(d) == {"id"}:
            return Jurisdiction(id=ident, name=ident, nexus="persons", where=r.at(d.line), defined=False)
        nexus = r.choice(d, "nexus", where, ("persons", "ear"), required=True) or "persons"
        ownership = None
        if "ownership" in d:
            o = r.obj(d["ownership"], d.line_of("ownership"), f"{where}.ownership",
                      ("threshold", "inclusive", "aggregate", *_PROVENANCE), ("threshold", "inclusive", "aggregate"))
            ownership = OwnershipRule(
                threshold=r.fraction(o, "threshold", f"{where}.ownership") or 0.5,
                inclusive=bool(r.flag(o, "inclusive", f"{where}.ownership")),
                aggregate=bool(r.flag(o, "aggregate", f"{where}.ownership")),
                provenance=r.provenance(o, f"{where}.ownership", self.sources),
            )
        bindings = []
        for i, b, bline in r.items(d.get("lists"), d.line_of("lists"), f"{where}.lists"):
            bd = r.obj(b, bline, f"{where}.lists[{i}]", ("source", "programs"), ("source",))
            tags = bd.get("programs") or {}
            programs: dict[str, str] = {}
            if isinstance(tags, dict):
                for tag, program in tags.items():
                    programs[str(tag)] = str(program)
                    self.refer("program", str(program), r, bd.line_of("programs"), f"{where}.lists[{i}].programs")
            bindings.append(ListBinding(source=r.text(bd, "source", where) or "", programs=programs))
        currency_certainty = r.choice(d, "currency_certainty", where, [c.value for c in Certainty])
        return Jurisdiction(
            id=ident,
            name=r.text(d, "name", where, required=True) or ident,
            nexus=nexus,
            where=r.at(d.line),
            person_flag=r.choice(d, "person_flag", where, PERSON_FLAGS),
            countries=self._countries(r, d, "countries", where) or (),
            currencies=r.strings(d, "currencies", where, check=currency_problem) or (),
            currency_certainty=Certainty(currency_certainty) if currency_certainty else Certainty.UNVERIFIED,
            airspace=bool(r.flag(d, "airspace", where)),
            ownership=ownership,
            lists=tuple(bindings),
        )

    def _program(self, r: PackReader, item: Any, where: str, line: int) -> Program | None:
        d = r.obj(item, line, where, ("id", "jurisdiction", "name", *_PROVENANCE), ("id", "jurisdiction", "name"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        jurisdiction = r.text(d, "jurisdiction", where) or ""
        self.refer("jurisdiction", jurisdiction, r, d.line_of("jurisdiction"), f"{where}.jurisdiction")
        return Program(ident, jurisdiction, r.text(d, "name", where) or ident, r.provenance(d, where, self.sources))

    def _subject(self, r: PackReader, item: Any, where: str, line: int) -> Subject | None:
        fields = ("id", "type", "names", "identifiers", "country", "operator", "owner", "model", "notes")
        d = r.obj(item, line, where, fields, ("id", "type", "names"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        kind = r.choice(d, "type", where, [t.value for t in EntityType], required=True)
        identifiers: list[tuple[IdScheme, str]] = []
        ids = d.get("identifiers")
        if ids is not None:
            idd = r.obj(ids, d.line_of("identifiers"), f"{where}.identifiers", [s.value for s in IdScheme])
            for scheme in idd:
                if scheme in [s.value for s in IdScheme]:
                    for value in r.strings(idd, scheme, f"{where}.identifiers") or ():
                        identifiers.append((IdScheme(scheme), value))
        country = r.text(d, "country", where)
        if country is not None and country_problem(country):
            r.fail(d.line_of("country"), f"{where}.country", str(country_problem(country)))
        for key in ("operator", "owner"):
            self.refer("subject", r.text(d, key, where), r, d.line_of(key), f"{where}.{key}")
        names = r.strings(d, "names", where) or ()
        return Subject(
            id=ident,
            type=EntityType(kind) if kind else EntityType.ORGANIZATION,
            names=names,
            where=r.at(d.line),
            identifiers=tuple(identifiers),
            country=country,
            operator=r.text(d, "operator", where),
            owner=r.text(d, "owner", where),
            model=r.text(d, "model", where),
            notes=r.text(d, "notes", where),
        )

    def _listing(self, r: PackReader, item: Any, where: str, line: int) -> Listing | None:
        fields = ("id", "subject", "jurisdiction", "program", "measure", "reference", "text", *_VALIDITY, *_PROVENANCE)
        d = r.obj(item, line, where, fields, ("id", "subject", "jurisdiction", "measure"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        subject, jurisdiction = r.text(d, "subject", where), r.text(d, "jurisdiction", where)
        program = r.text(d, "program", where)
        self.refer("subject", subject, r, d.line_of("subject"), f"{where}.subject")
        self.refer("jurisdiction", jurisdiction, r, d.line_of("jurisdiction"), f"{where}.jurisdiction")
        self.refer("program", program, r, d.line_of("program"), f"{where}.program")
        return Listing(
            id=ident,
            subject=subject or "",
            jurisdiction=jurisdiction or "",
            program=program,
            measure=r.choice(d, "measure", where, ("asset_freeze", "block", "block_property")) or "block",
            validity=r.validity(d, where),
            provenance=r.provenance(d, where, self.sources),
            reference=r.text(d, "reference", where),
            text=r.text(d, "text", where),
        )

    def _zone(self, r: PackReader, item: Any, where: str, line: int) -> Zone | None:
        fields = ("id", "name", "countries", "subdivisions", "partial_subdivisions", "places", *_VALIDITY,
                  *_PROVENANCE)
        d = r.obj(item, line, where, fields, ("id", "name"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        places = []
        for i, p, pline in r.items(d.get("places"), d.line_of("places"), f"{where}.places"):
            pw = f"{where}.places[{i}]"
            pd = r.obj(p, pline, pw, ("airport", "inside", "certainty", "note"), ("airport", "certainty"))
            code = (r.text(pd, "airport", pw) or "").upper()
            if code and self.airport_exists is not None and not self.airport_exists(code):
                r.fail(pd.line_of("airport"), f"{pw}.airport", f"unknown airport {code!r}", "an IATA or ICAO code")
            certainty = r.choice(pd, "certainty", pw, [c.value for c in Certainty], required=True)
            inside = r.flag(pd, "inside", pw)
            places.append(ZonePlace(code, inside is not False, Certainty(certainty or "unverified"),
                                    r.text(pd, "note", pw)))
        return Zone(
            id=ident,
            name=r.text(d, "name", where) or ident,
            validity=r.validity(d, where),
            provenance=r.provenance(d, where, self.sources),
            countries=self._countries(r, d, "countries", where) or (),
            subdivisions=r.strings(d, "subdivisions", where, check=subdivision_problem) or (),
            partial_subdivisions=r.strings(d, "partial_subdivisions", where, check=subdivision_problem) or (),
            places=tuple(places),
        )

    def _place_test(self, r: PackReader, value: Any, line: int, where: str) -> PlaceTest:
        d = r.obj(value, line, where, ("countries", "zones", "roles"))
        if not d.get("countries") and not d.get("zones"):
            r.fail(d.line, where, "names no place", "countries or zones")
        zones = r.strings(d, "zones", where) or ()
        self.refer_all("zone", zones, r, d.line_of("zones"), f"{where}.zones")
        roles = r.strings(d, "roles", where, PLACE_ROLES)
        return PlaceTest(countries=self._countries(r, d, "countries", where) or (), zones=zones,
                         roles=roles if roles is not None else DEFAULT_PLACE_ROLES)

    def _items(self, r: PackReader, value: Any, line: int, where: str, in_scope: bool = False) -> ItemTest:
        fields = ["subject_to_ear", "control_levels", "eccn_prefixes", "hs_prefixes", "origins"]
        if in_scope:
            fields.append("for_aircraft_in_scope")
        d = r.obj(value, line, where, fields)
        return ItemTest(
            subject_to_ear=r.flag(d, "subject_to_ear", where),
            control_levels=r.strings(d, "control_levels", where, CONTROL_LEVELS),
            eccn_prefixes=r.strings(d, "eccn_prefixes", where),
            hs_prefixes=r.strings(d, "hs_prefixes", where),
            origins=self._countries(r, d, "origins", where),
            for_aircraft_in_scope=r.flag(d, "for_aircraft_in_scope", where),
        )

    def _conditions(self, r: PackReader, value: Any, line: int, where: str, exclusion: bool = False) -> Conditions:
        fields = ["kinds", "activities", "purposes", "modes", "carrier_countries", "parties", "places", "not_places",
                  "destination", "shipped_from", "crosses", "aircraft", "items"]
        if exclusion:
            fields.append("involves_other_blocked")
        d = r.obj(value, line, where, fields)
        parties = r.strings(d, "parties", where)
        self.refer_all("subject", parties, r, d.line_of("parties"), f"{where}.parties")
        aircraft = None
        if "aircraft" in d:
            a = r.obj(d["aircraft"], d.line_of("aircraft"), f"{where}.aircraft",
                      ("subject_to_ear", "nationality", "ids"))
            aircraft = a
            self.refer_all("aircraft", r.strings(a, "ids", f"{where}.aircraft"), r, a.line_of("ids"),
                           f"{where}.aircraft.ids")
        crosses = None
        if "crosses" in d:
            pairs = []
            for i, pair, pline in r.items(d["crosses"], d.line_of("crosses"), f"{where}.crosses"):
                codes = [str(c) for c in pair] if isinstance(pair, list) else []
                if len(codes) != 2 or any(country_problem(c) for c in codes):
                    r.fail(pline, f"{where}.crosses[{i}]", f"is {pair!r}", "a pair of country codes [FROM, TO]")
                    continue
                pairs.append((codes[0], codes[1]))
            crosses = tuple(pairs)
        a_read = aircraft if aircraft is not None else LineDict()
        if aircraft is None:
            a_read.line, a_read.key_lines = line, {}
        return Conditions(
            kinds=r.strings(d, "kinds", where, KINDS),
            activities=r.strings(d, "activities", where, ACTIVITIES),
            purposes=r.strings(d, "purposes", where, PURPOSES),
            modes=r.strings(d, "modes", where, MODES),
            carrier_countries=self._countries(r, d, "carrier_countries", where),
            parties=parties,
            places=self._place_test(r, d["places"], d.line_of("places"), f"{where}.places") if "places" in d else None,
            not_places=(self._place_test(r, d["not_places"], d.line_of("not_places"), f"{where}.not_places")
                        if "not_places" in d else None),
            destination=(self._place_test(r, d["destination"], d.line_of("destination"), f"{where}.destination")
                         if "destination" in d else None),
            shipped_from=self._countries(r, d, "shipped_from", where),
            crosses=crosses,
            aircraft_subject_to_ear=r.flag(a_read, "subject_to_ear", f"{where}.aircraft"),
            aircraft_nationality=self._countries(r, a_read, "nationality", f"{where}.aircraft"),
            aircraft_ids=r.strings(a_read, "ids", f"{where}.aircraft"),
            items=self._items(r, d["items"], d.line_of("items"), f"{where}.items") if "items" in d else None,
            involves_other_blocked=r.flag(d, "involves_other_blocked", where),
        )

    def _effect(self, r: PackReader, d: LineDict, where: str, key: str = "effect") -> tuple[Outcome, str | None]:
        effect = r.choice(d, key, where, [e.value for e in EFFECTS], required=True)
        review = r.choice(d, "review", where, REVIEW_POLICIES)
        if effect == Outcome.LICENSE_REQUIRED and review is None:
            r.fail(d.line, f"{where}.review", "missing", "denial, case_by_case or unknown for LICENSE_REQUIRED")
        if effect not in (None, Outcome.LICENSE_REQUIRED) and review is not None:
            r.fail(d.line_of("review"), f"{where}.review", "only LICENSE_REQUIRED has a review policy")
        return Outcome(effect) if effect else Outcome.PROHIBITED, review

    def _rule(self, r: PackReader, item: Any, where: str, line: int) -> Rule | None:
        fields = ("id", "jurisdiction", "title", "effect", "review", "when", "variants", *_VALIDITY, *_PROVENANCE)
        d = r.obj(item, line, where, fields, ("id", "jurisdiction", "title", "effect", "when"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        jurisdiction = r.text(d, "jurisdiction", where) or ""
        self.refer("jurisdiction", jurisdiction, r, d.line_of("jurisdiction"), f"{where}.jurisdiction")
        effect, review = self._effect(r, d, where)
        variants = []
        for i, v, vline in r.items(d.get("variants"), d.line_of("variants"), f"{where}.variants"):
            vw = f"{where}.variants[{i}]"
            vd = r.obj(v, vline, vw, ("when", "effect", "review", "text", *_PROVENANCE), ("when", "effect", "text"))
            v_effect, v_review = self._effect(r, vd, vw)
            variants.append(Variant(self._conditions(r, vd.get("when"), vd.line_of("when"), f"{vw}.when"),
                                    v_effect, v_review, r.text(vd, "text", vw) or "",
                                    r.provenance(vd, vw, self.sources)))
        return Rule(
            id=ident,
            jurisdiction=jurisdiction,
            title=r.text(d, "title", where) or ident,
            effect=effect,
            review=review,
            when=self._conditions(r, d.get("when"), d.line_of("when"), f"{where}.when"),
            validity=r.validity(d, where),
            provenance=r.provenance(d, where, self.sources),
            variants=tuple(variants),
        )

    def _scope(self, r: PackReader, value: Any, line: int, where: str) -> Scope:
        fields = ("parties", "owned_by", "property", "aircraft", "items", "activities", "purposes")
        d = r.obj(value, line, where, fields)
        parties = r.strings(d, "parties", where)
        self.refer_all("subject", parties, r, d.line_of("parties"), f"{where}.parties")
        prop = r.strings(d, "property", where)
        self.refer_all("subject", prop, r, d.line_of("property"), f"{where}.property")
        owned_by = None
        if "owned_by" in d:
            ow = f"{where}.owned_by"
            o = r.obj(d["owned_by"], d.line_of("owned_by"), ow, ("subjects", "threshold", "inclusive", "aggregate"),
                      ("subjects", "threshold"))
            subjects = r.strings(o, "subjects", ow) or ()
            self.refer_all("subject", subjects, r, o.line_of("subjects"), f"{ow}.subjects")
            owned_by = OwnedBy(subjects, r.fraction(o, "threshold", ow) or 0.5,
                               r.flag(o, "inclusive", ow) is not False, bool(r.flag(o, "aggregate", ow)))
        aircraft = None
        if "aircraft" in d:
            aw = f"{where}.aircraft"
            a = r.obj(d["aircraft"], d.line_of("aircraft"), aw, ("operated_by", "subject_to_ear", "eccns"))
            operated_by = r.strings(a, "operated_by", aw)
            self.refer_all("subject", operated_by, r, a.line_of("operated_by"), f"{aw}.operated_by")
            aircraft = AircraftScope(operated_by, r.flag(a, "subject_to_ear", aw), r.strings(a, "eccns", aw))
        return Scope(
            parties=parties,
            owned_by=owned_by,
            property=prop,
            aircraft=aircraft,
            items=self._items(r, d["items"], d.line_of("items"), f"{where}.items", in_scope=True)
            if "items" in d else None,
            activities=r.strings(d, "activities", where, ACTIVITIES),
            purposes=r.strings(d, "purposes", where, PURPOSES),
        )

    def _authorization(self, r: PackReader, item: Any, where: str, line: int) -> Authorization | None:
        fields = ("id", "jurisdiction", "kind", "title", "covers", "scope", "exclusions", "residual", *_VALIDITY,
                  *_PROVENANCE)
        d = r.obj(item, line, where, fields, ("id", "jurisdiction", "kind", "title", "covers"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        jurisdiction = r.text(d, "jurisdiction", where) or ""
        self.refer("jurisdiction", jurisdiction, r, d.line_of("jurisdiction"), f"{where}.jurisdiction")
        cw = f"{where}.covers"
        covers = r.obj(d.get("covers"), d.line_of("covers"), cw, ("rules", "programs"))
        rules = r.strings(covers, "rules", cw) or ()
        programs = r.strings(covers, "programs", cw) or ()
        if not rules and not programs:
            r.fail(covers.line, cw, "covers nothing", "rules: [...] and/or programs: [...]")
        self.refer_all("rule", rules, r, covers.line_of("rules"), f"{cw}.rules")
        self.refer_all("program", programs, r, covers.line_of("programs"), f"{cw}.programs")
        exclusions = []
        for i, x, xline in r.items(d.get("exclusions"), d.line_of("exclusions"), f"{where}.exclusions"):
            xw = f"{where}.exclusions[{i}]"
            xd = r.obj(x, xline, xw, ("id", "text", "when", "then", *_PROVENANCE), ("id", "text", "when"))
            then_effect, then_review = None, None
            if "then" in xd:
                td = r.obj(xd["then"], xd.line_of("then"), f"{xw}.then", ("effect", "review"), ("effect",))
                then_effect, then_review = self._effect(r, td, f"{xw}.then")
            exclusions.append(Exclusion(
                id=r.ident(xd, "id", xw),
                text=r.text(xd, "text", xw) or "",
                when=self._conditions(r, xd.get("when"), xd.line_of("when"), f"{xw}.when", exclusion=True),
                provenance=r.provenance(xd, xw, self.sources),
                then_effect=then_effect,
                then_review=then_review,
            ))
        residual = None
        if "residual" in d:
            rw = f"{where}.residual"
            rd = r.obj(d["residual"], d.line_of("residual"), rw, ("effect", "review", "text"), ("effect", "text"))
            effect, review = self._effect(r, rd, rw)
            residual = Residual(effect, review, r.text(rd, "text", rw) or "")
        return Authorization(
            id=ident,
            jurisdiction=jurisdiction,
            kind=r.choice(d, "kind", where, ("general_license", "agency_authorization", "derogation",
                                              "specific_license")) or "general_license",
            title=r.text(d, "title", where) or ident,
            validity=r.validity(d, where),
            provenance=r.provenance(d, where, self.sources),
            covers_rules=rules,
            covers_programs=programs,
            scope=self._scope(r, d["scope"], d.line_of("scope"), f"{where}.scope") if "scope" in d else Scope(),
            exclusions=tuple(exclusions),
            residual=residual,
        )

    def _constraint(self, r: PackReader, item: Any, where: str, line: int) -> Constraint | None:
        d = r.obj(item, line, where, ("id", "title", "when", *_VALIDITY, *_PROVENANCE), ("id", "title", "when"))
        ident = r.ident(d, "id", where)
        self.declare(r, ident, d.line, where)
        return Constraint(
            id=ident,
            title=r.text(d, "title", where) or ident,
            when=self._conditions(r, d.get("when"), d.line_of("when"), f"{where}.when"),
            validity=r.validity(d, where),
            provenance=r.provenance(d, where, self.sources),
        )

    def _ear(self) -> EarReference | None:
        if not self.raw["ear"]:
            return None
        if len(self.raw["ear"]) > 1:
            reader, line, _, _ = self.raw["ear"][1]
            reader.fail(line, "ear", "declared in more than one file of the pack")
        r, line, value, _ = self.raw["ear"][0]
        d = r.obj(value, line, "ear", ("de_minimis", "at_only_eccns"))
        de_minimis, de_minimis_provenance = None, None
        if "de_minimis" in d:
            dm = r.obj(d["de_minimis"], d.line_of("de_minimis"), "ear.de_minimis", ("pct", *_PROVENANCE), ("pct",))
            pct = dm.get("pct")
            if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 < pct < 100:
                r.fail(dm.line_of("pct"), "ear.de_minimis.pct", f"is {pct!r}", "a percentage between 0 and 100")
            else:
                de_minimis = float(pct)
            de_minimis_provenance = r.provenance(dm, "ear.de_minimis", self.sources)
        at_only = []
        for i, e, eline in r.items(d.get("at_only_eccns"), d.line_of("at_only_eccns"), "ear.at_only_eccns"):
            ew = f"ear.at_only_eccns[{i}]"
            ed = r.obj(e, eline, ew, ("eccn", *_PROVENANCE), ("eccn",))
            at_only.append(((r.text(ed, "eccn", ew) or "").upper(), r.provenance(ed, ew, self.sources).certainty))
        return EarReference(de_minimis, de_minimis_provenance, tuple(at_only))
