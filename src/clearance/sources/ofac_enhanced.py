"""OFAC's Enhanced XML (``sanctionsData``), as the Sanctions List Service exports whole lists
(``SDN_ENHANCED.XML``, ``CONS_ENHANCED.XML``) or custom datasets (a program across all lists).

Each ``entity`` is self-contained: names with their translations (scripts), features labelled by
feature type (with a ``valueDate`` period for dates), identity documents, addresses, relationships
to other entities by id, and its lists, programs, sanctions types and legal authorities. Entity ids
are OFAC's (``<source>:<id>``, the legacy ``ent_num``); ``publicationInfo/dataAsOf`` is the
publish date.

Which list: ``publicationInfo/filters`` says what the export holds. Exactly the "SDN List" is
``us-ofac-sdn``, exactly the "Consolidated List" is ``us-ofac-cons``; an export filtered by
program (the IRGC file: all lists x program IRGC) or naming several lists is not one of those lists
but a subset across them: ``us-ofac-enhanced``. Without filters the entities' own lists decide
(mostly "SDN List" -> ``us-ofac-sdn``, else ``us-ofac-cons``). ``--source`` overrides.

Facts map as in the other OFAC formats (:mod:`clearance.sources.ofac_remarks`): feature and
document labels through the shared label table; ``isLowQuality`` names are weak aliases,
``F.K.A.`` names previous names, translations in another script ``non_latin`` names; a
relationship is a link whose kind is its type in snake case (``owned_or_controlled_by``), resolved
when the related entity is in the file. Two streaming passes: the first reads the publication
info, the country codes and every entity's id and primary name; the second builds the entities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Entity, Link, ListMeta, Name, NameKind
from clearance.sources.base import ParsedList, is_number, sha256_of
from clearance.sources.cells import address, clean
from clearance.sources.ofac_labels import slug
from clearance.sources.ofac_remarks import (
    apply_label,
    entity_type,
    finish,
    ids_by_primary_name,
    ofac_name,
    parse_remarks,
    period_dates,
    resolve_links,
)
from clearance.sources.ofac_xml import Tags, check_root, majority_source, sniff_root, where
from clearance.sources.xml import Element, element_record, iterparse, local

ROOT = "sanctionsData"
_ENTITY = "entity"
_LISTS = {"SDN List": "us-ofac-sdn", "Consolidated List": "us-ofac-cons"}


@dataclass
class _Survey:
    published: str | None = None
    filter_lists: list[str] = field(default_factory=list)
    filter_programs: list[str] = field(default_factory=list)
    iso_codes: dict[str, str] = field(default_factory=dict)  # COUNTRY refId -> ISO alpha-2
    names: dict[str, str] = field(default_factory=dict)  # entity id -> primary name
    on_sdn: int = 0

    def source(self, path: Path) -> str:
        if self.filter_programs or len(self.filter_lists) > 1:
            return "us-ofac-enhanced"
        if self.filter_lists:
            return _LISTS.get(self.filter_lists[0], "us-ofac-enhanced")
        return majority_source(path, len(self.names), len(self.names) - self.on_sdn)


class OfacEnhancedXmlFormat:
    name = "ofac-enhanced-xml"
    sources = ("us-ofac-enhanced", "us-ofac-sdn", "us-ofac-cons")
    description = "OFAC Enhanced XML (sanctionsData): SDN_ENHANCED.XML, CONS_ENHANCED.XML or a custom export"

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_root(path, head, ROOT)

    def parse(self, path: Path, source: str | None) -> ParsedList:
        namespace, _attrs = check_root(path, ROOT, "OFAC Enhanced XML")
        tags = Tags(namespace)
        survey = self._survey(path, tags)
        chosen = source or survey.source(path)
        ids_by_name = ids_by_primary_name(survey.names, chosen)
        meta = ListMeta(source=chosen, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=survey.published,
                        extra={"filters": {"lists": survey.filter_lists, "programs": survey.filter_programs}})
        return ParsedList(meta, self._entities(path, tags, chosen, survey, ids_by_name))

    def _survey(self, path: Path, tags: Tags) -> _Survey:
        survey = _Survey()
        for element in iterparse(path, (tags("publicationInfo"), tags("referenceValue"), tags(_ENTITY))):
            kind = local(element.tag)
            if kind == "publicationInfo":
                as_of = tags.text(element, "dataAsOf")
                survey.published = _iso(path, element, as_of) if as_of else None
                survey.filter_lists = tags.texts(element, "filters/sanctionsLists/sanctionsList")
                survey.filter_programs = tags.texts(element, "filters/sanctionsPrograms/sanctionsProgram")
            elif kind == "referenceValue":
                iso = tags.text(element, "isoCode")
                if iso and tags.text(element, "type") == "COUNTRY":
                    survey.iso_codes[element.get("refId") or ""] = iso
            else:
                entity_id = _entity_id(path, element)
                if entity_id in survey.names:
                    raise ListFormatError(path, where(element, _ENTITY, f"id={entity_id}"),
                                          f"entity {entity_id} twice", "one entity element per id")
                survey.names[entity_id] = _primary_name(path, element, tags, entity_id)
                if "SDN List" in tags.texts(element, "sanctionsLists/sanctionsList"):
                    survey.on_sdn += 1
        return survey

    def _entities(self, path: Path, tags: Tags, source: str, survey: _Survey,
                  ids_by_name: dict[str, str | None]) -> Iterator[Entity]:
        for element in iterparse(path, tags(_ENTITY)):
            entity = self._entity(path, element, tags, source, survey)
            resolve_links(entity, ids_by_name)
            yield finish(entity)

    def _entity(self, path: Path, el: Element, tags: Tags, source: str, survey: _Survey) -> Entity:
        entity_id = _entity_id(path, el)
        primary = survey.names[entity_id]
        entity = Entity(id=f"{source}:{entity_id}", source=source,
                        type=entity_type(tags.text(el, "generalInfo/entityType"), primary),
                        names=_names(el, tags))
        title = tags.text(el, "generalInfo/title")
        if title:
            entity.titles.extend(t.strip() for t in title.split(";") if t.strip())
        for listing in el.iterfind(tags("sanctionsLists/sanctionsList")):
            entity.lists.append(clean(listing.text) or "")
            published = listing.get("datePublished")
            if published and (entity.listed_on is None or published < entity.listed_on):
                entity.listed_on = _iso(path, listing, published)
        entity.programs = tags.texts(el, "sanctionsPrograms/sanctionsProgram")
        for key, found in (("sanctions_type", tags.texts(el, "sanctionsTypes/sanctionsType")),
                           ("legal_basis", tags.texts(el, "legalAuthorities/legalAuthority"))):
            if found:
                entity.properties[key] = found
        for feature in el.iterfind(tags("features/feature")):
            self._feature(path, entity, feature, tags, survey)
        for doc in el.iterfind(tags("identityDocuments/identityDocument")):
            self._document(path, entity, doc, tags, survey)
        for item in el.iterfind(tags("addresses/address")):
            self._address(entity, item, tags, survey)
        for relation in el.iterfind(tags("relationships/relationship")):
            related = relation.find(tags("relatedEntity"))
            target = related.get("entityId") if related is not None else None
            kind = slug(tags.text(relation, "type") or "related")
            name = clean(related.text) if related is not None else None
            entity.links.append(Link(kind, name or f"entity {target}",
                                     f"{source}:{target}" if target in survey.names else None))
        remarks = tags.text(el, "generalInfo/remarks")
        if remarks:
            entity.remarks = remarks
            parse_remarks(entity, remarks)
        entity.record = element_record(el)
        return entity

    @staticmethod
    def _feature(path: Path, entity: Entity, feature: Element, tags: Tags, survey: _Survey) -> None:
        label = tags.text(feature, "type")
        if label is None:
            raise ListFormatError(path, where(feature, "feature", feature.get("id")) + "/type", "no feature type",
                                  "<type> naming the feature")
        value = tags.text(feature, "value")
        period = feature.find(tags("valueDate"))
        dates = _period(path, period, tags) if period is not None else None
        country = survey.iso_codes.get(tags.text(feature, "valueRefId") or "")
        apply_label(entity, label, value, country=country, dates=dates, note=tags.text(feature, "comments"))

    @staticmethod
    def _document(path: Path, entity: Entity, doc: Element, tags: Tags, survey: _Survey) -> None:
        label = tags.text(doc, "type")
        if label is None:
            raise ListFormatError(path, where(doc, "identityDocument", doc.get("id")) + "/type",
                                  "no document type", "<type> naming the document")
        issuing = doc.find(tags("issuingCountry"))
        country = None
        if issuing is not None:
            country = survey.iso_codes.get(issuing.get("refId") or "") or clean(issuing.text)
        when: dict[str, str | None] = {}
        for kind in ("issueDate", "expirationDate"):
            period = doc.find(tags(kind))
            found = _period(path, period, tags) if period is not None else []
            when[kind] = found[0] if len(found) == 1 else None
        notes = [n for n in (tags.text(doc, "issuingAuthority"),
                             "not valid" if tags.text(doc, "isValid") == "false" else None) if n]
        apply_label(entity, label, tags.text(doc, "documentNumber"), country=country, issued=when["issueDate"],
                    expires=when["expirationDate"], note="; ".join(notes) or None)

    @staticmethod
    def _address(entity: Entity, item: Element, tags: Tags, survey: _Survey) -> None:
        parts: dict[str, list[str]] = defaultdict(list)
        for translation in item.iterfind(tags("translations/translation")):
            if tags.text(translation, "isPrimary") != "true":
                continue
            for part in translation.iterfind(tags("addressParts/addressPart")):
                text = tags.text(part, "value")
                if text:
                    parts[tags.text(part, "type") or "ADDRESS1"].append(text)
        country_el = item.find(tags("country"))
        country_name = clean(country_el.text) if country_el is not None else None
        found = address([*parts["ADDRESS1"], *parts["ADDRESS2"], *parts["ADDRESS3"]],
                        city=" ".join(parts["CITY"]) or None,
                        region=", ".join(parts["STATE/PROVINCE"] + parts["REGION"]) or None,
                        postal_code=" ".join(parts["POSTAL CODE"]) or None, country=country_name)
        if found is None:
            return
        iso = survey.iso_codes.get(country_el.get("refId") or "") if country_el is not None else None
        if iso and found.country != iso:
            found = replace(found, country=iso)
        entity.addresses.append(found)
        if found.country:
            entity.countries.append(found.country)


def _entity_id(path: Path, element: Element) -> str:
    entity_id = element.get("id")
    if not is_number(entity_id):
        problem = f"id {entity_id!r} is not a number" if entity_id else "id missing"
        raise ListFormatError(path, where(element, _ENTITY, None) + "/@id", problem, "the entity's OFAC number")
    return entity_id


def _names(el: Element, tags: Tags) -> list[Name]:
    names: list[Name] = []
    for name in el.iterfind(tags("names/name")):
        alias_type = (tags.text(name, "aliasType") or "").casefold()
        if tags.text(name, "isPrimary") == "true":
            kind = NameKind.PRIMARY
        elif tags.text(name, "isLowQuality") == "true":
            kind = NameKind.WEAK_ALIAS
        else:
            kind = NameKind.PREVIOUS if alias_type == "f.k.a." else NameKind.ALIAS
        quality = alias_type or None
        for translation in name.iterfind(tags("translations/translation")):
            text = tags.text(translation, "formattedFullName")
            if not text:
                continue
            latin = (tags.text(translation, "script") or "Latin") == "Latin"
            if latin:
                primary_translation = tags.text(translation, "isPrimary") == "true"
                this_kind = kind if primary_translation or kind is not NameKind.PRIMARY else NameKind.ALIAS
                names.append(ofac_name(text, this_kind, quality))
            else:
                names.append(Name(text, NameKind.NON_LATIN, script=ofac_name(text, kind).script, quality=quality))
    return names


def _primary_name(path: Path, el: Element, tags: Tags, entity_id: str) -> str:
    for name in _names(el, tags):
        if name.kind is NameKind.PRIMARY:
            return name.value
    raise ListFormatError(path, where(el, _ENTITY, f"id={entity_id}") + "/names", "no primary name",
                          "a <name> with isPrimary true and a Latin translation")


def _period(path: Path, period: Element, tags: Tags) -> list[str]:
    """``fromDateBegin`` .. ``toDateEnd`` as partial dates (a day, a month, a year or years)."""
    start = tags.text(period, "fromDateBegin")
    end = tags.text(period, "toDateEnd") or start
    if start is None or end is None:
        return []
    return period_dates(date.fromisoformat(_iso(path, period, start)), date.fromisoformat(_iso(path, period, end)))


def _iso(path: Path, element: Element, text: str) -> str:
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ListFormatError(path, where(element, local(element.tag), None), f"bad date {text!r}",
                              "YYYY-MM-DD") from None


FORMATS = [OfacEnhancedXmlFormat()]
