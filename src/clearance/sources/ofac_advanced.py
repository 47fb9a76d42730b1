"""OFAC's Advanced Sanctions List Standard XML: ``SDN_ADVANCED.XML`` and ``cons_advanced.xml``.

The document (namespace ``http://www.un.org/sanctions/1.0``, root ``Sanctions``) is relational:
``ReferenceValueSets`` names every id used elsewhere (feature types, document types, countries,
scripts, lists); ``Locations`` and ``IDRegDocuments`` hang off identities; ``DistinctParties``
hold the profiles with their names and features; ``ProfileRelationships`` and
``SanctionsEntries`` (lists, programs, listing dates) come after the parties.

It is read in two streaming passes so memory stays flat on the 120 MB SDN file: the first keeps
the reference values, locations, documents, relationships, sanctions entries and each party's
primary name; the second builds one entity per ``DistinctParty`` (id ``<source>:<FixedRef>``,
the legacy ``ent_num``). ``DateOfIssue`` is the publish date.

Mapping (the labels are the legacy formats' labels, so :mod:`clearance.sources.ofac_labels`
places them the same way):

- Each ``Alias`` of the party's identity gives one name per ``DocumentedName``: the primary
  alias's Latin form is the primary name, other scripts become ``non_latin`` names with their
  ISO 15924 script; ``LowQuality="true"`` makes a weak alias; ``F.K.A.`` a previous name. Name
  parts are assembled as OFAC prints them: ``LAST, First Middle``.
- Features are placed by their feature-type label; dates come from their ``DatePeriod``
  (a year, a month, a day or a range, as in the legacy Remarks), lookups from
  ``DetailReference``, countries and addresses from the referenced ``Location``.
- Identity documents are labelled by their document type, with issuing country and dates.
- A relationship becomes a link on its ``From`` party, its kind the relation type's name in
  snake case (``owned_or_controlled_by``, ``associate_of``, ...): the legacy formats print each
  of these as "Linked To". ``Former="true"`` relations are prefixed ``former_``.
- Sanctions entries give ``programs`` (measures of type "Program"), ``lists`` (list names),
  ``listed_on`` (the earliest entry event) and the ``sanctions_type`` and ``legal_basis``
  properties.

Which list a file is: ``us-ofac-sdn`` when most parties have an entry on the "SDN List",
otherwise ``us-ofac-cons``; a file without entries is told by its name. ``--source`` overrides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from clearance.errors import ListFormatError
from clearance.model import Address, Entity, Link, ListMeta, Name, NameKind
from clearance.sources.base import ParsedList, is_number, sha256_of
from clearance.sources.cells import address, clean
from clearance.sources.ofac_labels import slug
from clearance.sources.ofac_remarks import (
    apply_label,
    entity_type,
    finish,
    ids_by_primary_name,
    ofac_name,
    period_dates,
    resolve_links,
)
from clearance.sources.ofac_xml import Tags, check_root, majority_source, sniff_root, where
from clearance.sources.xml import Element, element_record, iterparse, local

ROOT = "Sanctions"
NAMESPACE = "http://www.un.org/sanctions/1.0"
_PARTY = "DistinctParty"
_LATIN = {"Latn", "Latin"}
# Reference sets read into lookups: element name -> (set name, attribute kept besides the text)
_REFERENCES = {
    "AliasType": None, "Country": "ISO2", "DetailReference": None, "FeatureType": None, "IDRegDocType": None,
    "IDRegDocDateType": None, "List": None, "LegalBasis": None, "LocPartType": None, "NamePartType": None,
    "PartySubType": "PartyTypeID", "PartyType": None, "RelationType": None, "SanctionsType": None,
    "Script": "ScriptCode",
}
_NAME_ORDER_LAST = "Last Name"
# The repeated elements of each section: streaming yields (and then frees) each one.
_RECORDS = ("DateOfIssue", "ReferenceValueSets", "Location", "IDRegDocument", _PARTY, "ProfileRelationship",
            "SanctionsEntry", "SanctionsEntryLink")


@dataclass
class _Refs:
    """``ReferenceValueSets``: for each set, id -> (text, extra attribute)."""

    values: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=lambda: defaultdict(dict))

    def text(self, kind: str, ref: str | None) -> str | None:
        found = self.values[kind].get(ref or "")
        return found[0] if found else None

    def attribute(self, kind: str, ref: str | None) -> str | None:
        found = self.values[kind].get(ref or "")
        return found[1] if found else None


@dataclass
class _Document:
    label: str
    number: str | None
    country: str | None
    issued: str | None
    expires: str | None
    note: str | None
    record: dict[str, Any]


@dataclass
class _Place:
    address: Address | None
    country: str | None  # ISO code, or the country's name when it has none
    country_name: str | None
    record: dict[str, Any]


@dataclass
class _Survey:
    """What the first pass keeps for the second."""

    published: str | None = None
    refs: _Refs = field(default_factory=_Refs)
    places: dict[str, _Place] = field(default_factory=dict)
    documents: dict[str, list[_Document]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, str] = field(default_factory=dict)  # profile id -> primary name
    relations: dict[str, list[tuple[str, str, bool, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list))  # from profile -> (to profile, kind, former, record)
    entries: dict[str, list[dict[str, list[str]]]] = field(default_factory=lambda: defaultdict(list))
    entry_records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    sdn_parties: set[str] = field(default_factory=set)
    entry_parties: set[str] = field(default_factory=set)

    def source(self, path: Path) -> str:
        return majority_source(path, len(self.entry_parties), len(self.entry_parties - self.sdn_parties))


class OfacAdvancedXmlFormat:
    name = "ofac-advanced-xml"
    sources = ("us-ofac-sdn", "us-ofac-cons")
    description = "OFAC Advanced Sanctions List Standard XML: SDN_ADVANCED.XML or cons_advanced.xml"

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_root(path, head, ROOT) if NAMESPACE.encode() in head else 0.0

    def parse(self, path: Path, source: str | None) -> ParsedList:
        namespace, _attrs = check_root(path, ROOT, "OFAC Advanced Sanctions List Standard XML")
        if namespace != NAMESPACE:
            raise ListFormatError(path, "root element", f"namespace {namespace!r}", NAMESPACE)
        tags = Tags(namespace)
        survey = self._survey(path, tags)
        chosen = source or survey.source(path)
        ids_by_name = ids_by_primary_name(survey.names, chosen)
        meta = ListMeta(source=chosen, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=survey.published, extra={"parties": len(survey.names)})
        return ParsedList(meta, self._entities(path, tags, chosen, survey, ids_by_name))

    # -- first pass ------------------------------------------------------------------------------
    def _survey(self, path: Path, tags: Tags) -> _Survey:
        survey = _Survey()
        for element in iterparse(path, tuple(tags(t) for t in _RECORDS)):
            kind = local(element.tag)
            if kind == "DateOfIssue":
                survey.published = _ymd(path, element, tags)
            elif kind == "ReferenceValueSets":
                _read_references(element, survey.refs)
            elif kind == "Location":
                survey.places[_attr(path, element, "ID")] = _place(element, tags, survey.refs)
            elif kind == "IDRegDocument":
                identity = _attr(path, element, "IdentityID")
                survey.documents[identity].append(_document(path, element, tags, survey.refs))
            elif kind == _PARTY:
                ref = _fixed_ref(path, element)
                if ref in survey.names:
                    raise ListFormatError(path, where(element, _PARTY, f"FixedRef={ref}"), f"party {ref} twice",
                                          "one DistinctParty per FixedRef")
                survey.names[ref] = _primary_name(path, element, tags, survey.refs, ref)
            elif kind == "ProfileRelationship":
                self._relation(path, element, survey)
            else:
                profile = _attr(path, element, "ProfileID")
                survey.entries[profile].append(_entry_facts(path, element, tags, survey.refs))
                survey.entry_records[profile].append(element_record(element))
                survey.entry_parties.add(profile)
                if survey.refs.text("List", element.get("ListID")) == "SDN List":
                    survey.sdn_parties.add(profile)
        return survey

    @staticmethod
    def _relation(path: Path, element: Element, survey: _Survey) -> None:
        relation = survey.refs.text("RelationType", element.get("RelationTypeID"))
        if relation is None:
            raise ListFormatError(path, where(element, "ProfileRelationship", element.get("ID")) + "/@RelationTypeID",
                                  f"unknown RelationTypeID {element.get('RelationTypeID')!r}",
                                  "an id of ReferenceValueSets/RelationTypeValues")
        former = element.get("Former") == "true"
        survey.relations[_attr(path, element, "From-ProfileID")].append(
            (_attr(path, element, "To-ProfileID"), slug(relation), former, element_record(element)))

    # -- second pass ------------------------------------------------------------------------------
    def _entities(self, path: Path, tags: Tags, source: str, survey: _Survey,
                  ids_by_name: dict[str, str | None]) -> Iterator[Entity]:
        # Every record element is asked for, though only parties are used: iterparse frees what it
        # yields, and the sections around the parties would otherwise stay in memory whole.
        for element in iterparse(path, tuple(tags(t) for t in _RECORDS)):
            if local(element.tag) != _PARTY:
                continue
            entity = self._entity(path, element, tags, source, survey)
            resolve_links(entity, ids_by_name)  # names in features: "Aircraft Operator X"
            yield finish(entity)

    def _entity(self, path: Path, party: Element, tags: Tags, source: str, survey: _Survey) -> Entity:
        refs = survey.refs
        ref = _fixed_ref(path, party)
        profile = party.find(tags("Profile"))
        if profile is None:
            raise ListFormatError(path, where(party, _PARTY, f"FixedRef={ref}"), "no Profile", "<Profile>")
        subtype = profile.get("PartySubTypeID")
        party_type = refs.text("PartySubType", subtype)
        if party_type in (None, "Unknown"):
            party_type = refs.text("PartyType", refs.attribute("PartySubType", subtype))
        primary = survey.names[ref]
        entity = Entity(id=f"{source}:{ref}", source=source, type=entity_type(party_type, primary))
        record: dict[str, Any] = {"DistinctParty": element_record(party)}
        identities: list[str] = []
        for identity in profile.iterfind(tags("Identity")):
            identities.append(_attr(path, identity, "ID"))
            entity.names.extend(_names(path, identity, tags, refs))
        for feature in profile.iterfind(tags("Feature")):
            self._feature(path, entity, feature, tags, survey, record, ref)
        for identity_id in identities:
            for doc in survey.documents.get(identity_id, []):
                apply_label(entity, doc.label, doc.number, country=doc.country, issued=doc.issued,
                            expires=doc.expires, note=doc.note)
                record.setdefault("IDRegDocument", []).append(doc.record)
        profile_id = profile.get("ID") or ref
        for to, kind, former, relation_record in survey.relations.get(profile_id, []):
            target = survey.names.get(to)
            entity.links.append(_link(kind, former, target, f"{source}:{to}" if target else None, to))
            record.setdefault("ProfileRelationship", []).append(relation_record)
        for facts in survey.entries.get(profile_id, []):
            _apply_entry(entity, facts)
        if survey.entry_records.get(profile_id):
            record["SanctionsEntry"] = survey.entry_records[profile_id]
        entity.record = record
        return entity

    @staticmethod
    def _feature(path: Path, entity: Entity, feature: Element, tags: Tags, survey: _Survey,
                 record: dict[str, Any], ref: str) -> None:
        refs = survey.refs
        label = refs.text("FeatureType", feature.get("FeatureTypeID"))
        if label is None:
            at = f"line {feature.sourceline}, {_PARTY}[FixedRef={ref}]/Profile/Feature[ID={feature.get('ID')}]"
            raise ListFormatError(path, at + "/@FeatureTypeID",
                                  f"unknown FeatureTypeID {feature.get('FeatureTypeID')!r}",
                                  "an id of ReferenceValueSets/FeatureTypeValues")
        for version in feature.iterfind(tags("FeatureVersion")):
            detail = version.find(tags("VersionDetail"))
            value = clean(detail.text) if detail is not None else None
            if detail is not None and detail.get("DetailReferenceID"):
                value = refs.text("DetailReference", detail.get("DetailReferenceID")) or value
            period = version.find(tags("DatePeriod"))
            dates = _period(path, period, tags) if period is not None else None
            place: _Place | None = None
            located = version.find(tags("VersionLocation"))
            if located is not None:
                place = survey.places.get(located.get("LocationID") or "")
                if place is not None:
                    record.setdefault("Location", []).append(place.record)
                    value = value or place.country_name
            comment = clean(version.findtext(tags("Comment")))
            apply_label(entity, label, value, country=place.country if place else None, dates=dates,
                        address=place.address if place else None, note=comment)
            if place is not None and place.address is not None and label == "Location" and place.address.country:
                entity.countries.append(place.address.country)


# -- reading elements ------------------------------------------------------------------------------
def _read_references(element: Element, refs: _Refs) -> None:
    for value in element.iter():
        kind = local(value.tag)
        if kind in _REFERENCES and value.get("ID") is not None:
            extra_attr = _REFERENCES[kind]
            refs.values[kind][value.get("ID") or ""] = (
                clean(value.text) or "", value.get(extra_attr) if extra_attr else None)


def _attr(path: Path, element: Element, name: str) -> str:
    value = element.get(name)
    if not value:
        raise ListFormatError(path, where(element, local(element.tag), None) + f"/@{name}", f"{name} missing",
                              f"the {name} attribute")
    return value


def _fixed_ref(path: Path, party: Element) -> str:
    ref = _attr(path, party, "FixedRef")
    if not is_number(ref):
        raise ListFormatError(path, where(party, _PARTY, None) + "/@FixedRef", f"FixedRef {ref!r} is not a number",
                              "the party's entry number")
    return ref


def _ymd(path: Path, element: Element, tags: Tags) -> str:
    try:
        return date(int(element.findtext(tags("Year")) or ""), int(element.findtext(tags("Month")) or 1),
                    int(element.findtext(tags("Day")) or 1)).isoformat()
    except ValueError:
        raise ListFormatError(path, where(element, local(element.tag), None), "not a date",
                              "<Year>, <Month> and <Day> of a real date") from None


def _period(path: Path, period: Element, tags: Tags) -> list[str]:
    """The partial dates a ``DatePeriod`` stands for: Start/From to End/To."""
    start = _first(period, tags, "Start/From", "Start/To")
    end = _first(period, tags, "End/To", "End/From", "Start/To", "Start/From")
    if start is None or end is None:
        return []
    return period_dates(date.fromisoformat(_ymd(path, start, tags)), date.fromisoformat(_ymd(path, end, tags)))


def _first(element: Element, tags: Tags, *paths: str) -> Element | None:
    for path in paths:
        found = element.find(tags(path))
        if found is not None:
            return found
    return None


def _place(element: Element, tags: Tags, refs: _Refs) -> _Place:
    parts: dict[str, list[str]] = defaultdict(list)
    for part in element.iterfind(tags("LocationPart")):
        kind = refs.text("LocPartType", part.get("LocPartTypeID")) or "ADDRESS1"
        for value in part.iterfind(tags("LocationPartValue")):
            text = clean(value.findtext(tags("Value")))
            if text:
                parts[kind].append(text)
    country_el = element.find(tags("LocationCountry"))
    country_id = country_el.get("CountryID") if country_el is not None else None
    country_name = refs.text("Country", country_id)
    if country_name == "undetermined":
        country_name = None
    iso = refs.attribute("Country", country_id)
    found = address([*parts["ADDRESS1"], *parts["ADDRESS2"], *parts["ADDRESS3"]],
                    city=" ".join(parts["CITY"]) or None,
                    region=", ".join(parts["STATE/PROVINCE"] + parts["REGION"]) or None,
                    postal_code=" ".join(parts["POSTAL CODE"]) or None, country=country_name)
    if found is not None and iso and found.country != iso:
        found = replace(found, country=iso)
    return _Place(found, iso or country_name, country_name, element_record(element))


def _document(path: Path, element: Element, tags: Tags, refs: _Refs) -> _Document:
    label = refs.text("IDRegDocType", element.get("IDRegDocTypeID"))
    if label is None:
        raise ListFormatError(path, where(element, "IDRegDocument", element.get("ID")) + "/@IDRegDocTypeID",
                              f"unknown IDRegDocTypeID {element.get('IDRegDocTypeID')!r}",
                              "an id of ReferenceValueSets/IDRegDocTypeValues")
    country_id = element.get("IssuedBy-CountryID")
    dates: dict[str, str] = {}
    for when in element.iterfind(tags("DocumentDate")):
        kind = refs.text("IDRegDocDateType", when.get("IDRegDocDateTypeID")) or ""
        period = when.find(tags("DatePeriod"))
        found = _period(path, period, tags) if period is not None else []
        if found:
            dates[kind.casefold()] = found[0]
    return _Document(
        label=label,
        number=clean(element.findtext(tags("IDRegistrationNo"))),
        country=refs.attribute("Country", country_id) or refs.text("Country", country_id),
        issued=dates.get("issue date"),
        expires=dates.get("expiration date"),
        note=clean(element.findtext(tags("Comment"))),
        record=element_record(element),
    )


def _names(path: Path, identity: Element, tags: Tags, refs: _Refs) -> list[Name]:
    part_types = {group.get("ID") or "": refs.text("NamePartType", group.get("NamePartTypeID")) or ""
                  for group in identity.iterfind(tags("NamePartGroups/MasterNamePartGroup/NamePartGroup"))}
    names: list[Name] = []
    for alias in identity.iterfind(tags("Alias")):
        alias_type = (refs.text("AliasType", alias.get("AliasTypeID")) or "").casefold()
        primary = alias.get("Primary") == "true"
        if primary:
            kind = NameKind.PRIMARY
        elif alias.get("LowQuality") == "true":
            kind = NameKind.WEAK_ALIAS
        else:
            kind = NameKind.PREVIOUS if alias_type == "f.k.a." else NameKind.ALIAS
        quality = None if primary or alias_type == "name" else alias_type
        latin_seen = False
        for documented in alias.iterfind(tags("DocumentedName")):
            text, script = _assemble(documented, tags, refs, part_types)
            if not text:
                continue
            if script not in _LATIN:
                names.append(Name(text, NameKind.NON_LATIN, script=ofac_name(text, kind).script, quality=quality))
                continue
            this_kind = NameKind.ALIAS if kind is NameKind.PRIMARY and latin_seen else kind
            names.append(ofac_name(text, this_kind, quality))
            latin_seen = True
    return names


def _assemble(documented: Element, tags: Tags, refs: _Refs, part_types: dict[str, str]) -> tuple[str, str | None]:
    """A documented name as OFAC prints it ("LAST, First Middle") and its script's code."""
    last: list[str] = []
    rest: list[str] = []
    script: str | None = None
    for value in documented.iterfind(tags("DocumentedNamePart/NamePartValue")):
        text = clean(value.text)
        if not text:
            continue
        script = script or refs.attribute("Script", value.get("ScriptID")) or refs.text("Script", value.get("ScriptID"))
        (last if part_types.get(value.get("NamePartGroupID") or "") == _NAME_ORDER_LAST else rest).append(text)
    if last and rest:
        return f"{' '.join(last)}, {' '.join(rest)}", script
    return " ".join(last or rest), script


def _primary_name(path: Path, party: Element, tags: Tags, refs: _Refs, ref: str) -> str:
    for identity in party.iterfind(tags("Profile/Identity")):
        for name in _names(path, identity, tags, refs):
            if name.kind is NameKind.PRIMARY:
                return name.value
    raise ListFormatError(path, where(party, _PARTY, f"FixedRef={ref}"), "no primary name",
                          "an Alias with Primary=\"true\" and a Latin DocumentedName")


def _link(kind: str, former: bool, target_name: str | None, target_id: str | None, to: str) -> Link:
    return Link(f"former_{kind}" if former else kind, target_name or f"profile {to}", target_id)


def _entry_facts(path: Path, element: Element, tags: Tags, refs: _Refs) -> dict[str, list[str]]:
    """What one SanctionsEntry says: list, programs, other measures, legal basis, listing dates."""
    facts: dict[str, list[str]] = defaultdict(list)
    list_name = refs.text("List", element.get("ListID"))
    if list_name:
        facts["lists"].append(list_name)
    for event in element.iterfind(tags("EntryEvent")):
        when = event.find(tags("Date"))
        if when is not None:
            facts["listed_on"].append(_ymd(path, when, tags))
        basis = refs.text("LegalBasis", event.get("LegalBasisID"))
        if basis and basis != "Unknown":
            facts["legal_basis"].append(basis)
    for measure in element.iterfind(tags("SanctionsMeasure")):
        kind = refs.text("SanctionsType", measure.get("SanctionsTypeID"))
        comment = clean(measure.findtext(tags("Comment")))
        if kind == "Program":
            if comment:
                facts["programs"].append(comment)
        elif kind:
            facts["sanctions_type"].append(kind)
    return facts


def _apply_entry(entity: Entity, facts: dict[str, list[str]]) -> None:
    entity.lists.extend(facts.get("lists", []))
    entity.programs.extend(facts.get("programs", []))
    for key in ("sanctions_type", "legal_basis"):
        if facts.get(key):
            entity.properties.setdefault(key, []).extend(facts[key])
    dates = sorted(facts.get("listed_on", []) + ([entity.listed_on] if entity.listed_on else []))
    if dates:
        entity.listed_on = dates[0]


FORMATS = [OfacAdvancedXmlFormat()]
