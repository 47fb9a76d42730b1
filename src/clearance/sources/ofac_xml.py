"""OFAC's legacy XML: ``sdn.xml`` and ``consolidated.xml`` (root ``sdnList``).

Both lists share one schema; its namespace changed over the years
(``http://tempuri.org/sdnList.xsd``, now
``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML``), so elements
are found in whatever namespace the root declares. ``publshInformation/Publish_Date`` (OFAC's
spelling, US ``MM/DD/YYYY``) is the publish date.

Which list a file is: the schema does not say, so the data decides. Entries of the non-SDN
lists carry non-SDN programs (``NS-PLC``, ``NS-...``, ``FSE-...``, ``561-Related``, ``CMIC-...``)
or the SSI list's "Executive Order 13662 Directive Determination"; when more than half of the
entries do, the file is ``us-ofac-cons``, else ``us-ofac-sdn`` (the SDN list has such entries
only by exception). A file without entries is told by its name (``cons`` in it). ``--source``
overrides.

Entries map as in the CSV (see :mod:`clearance.sources.ofac_remarks`): ``idList`` items are the
same labelled facts the CSV prints in Remarks, ``akaList`` items with ``<category>weak`` are weak
aliases, and ``(Linked To: X)`` in ``remarks`` becomes a link resolved within the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clearance.errors import ListFormatError
from clearance.model import Entity, ListMeta, NameKind
from clearance.sources.base import ParsedList, is_number, sha256_of
from clearance.sources.cells import address, clean, join_parts
from clearance.sources.ofac_remarks import (
    apply_label,
    entity_type,
    finish,
    ids_by_primary_name,
    ofac_name,
    parse_dates,
    parse_remarks,
    resolve_links,
)
from clearance.sources.xml import Element, element_record, iterparse, local, root_info, root_start

ROOT = "sdnList"
_ENTRY = "sdnEntry"
_NON_SDN_PROGRAM = re.compile(r"^(NS-|FSE-|561-|CMIC-)", re.IGNORECASE)
_SSI_MARKER = "Executive Order 13662 Directive Determination"
_ALIAS_KINDS = {"a.k.a.": NameKind.ALIAS, "f.k.a.": NameKind.PREVIOUS, "n.k.a.": NameKind.ALIAS}
_VESSEL_FIELDS = (("callSign", "Vessel Call Sign"), ("vesselType", "VESSEL TYPE"), ("vesselFlag", "Vessel Flag"),
                  ("vesselOwner", "Vessel Owner"), ("tonnage", "Vessel Tonnage"),
                  ("grossRegisteredTonnage", "Vessel Gross Registered Tonnage"))


class Tags:
    """Element paths in a document's namespace: ``tags("akaList/aka")`` -> Clark names."""

    def __init__(self, namespace: str | None) -> None:
        self.namespace = namespace
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        found = self._cache.get(path)
        if found is None:
            prefix = f"{{{self.namespace}}}" if self.namespace else ""
            found = "/".join(p if p in (".", "..") else prefix + p for p in path.split("/"))
            self._cache[path] = found
        return found

    def text(self, element: Element, path: str) -> str | None:
        return clean(element.findtext(self(path)))

    def texts(self, element: Element, path: str) -> list[str]:
        return [t for t in (clean(e.text) for e in element.iterfind(self(path))) if t]


def check_root(path: Path, expected: str, what: str) -> tuple[str | None, dict[str, str]]:
    """The root's namespace and attributes, after checking it is ``expected``."""
    root, namespace, attrs = root_start(path)
    if root != expected:
        found = f"{{{namespace}}}{root}" if namespace else root
        raise ListFormatError(path, "root element", f"root element is <{found}>", f"<{expected}> ({what})")
    return namespace, attrs


def sniff_root(path: Path, head: bytes, expected: str) -> float:
    """Confidence that ``path`` is an XML file whose root element is ``expected``."""
    if not path.is_file():
        return 0.0
    root, _namespace = root_info(head)
    return 0.95 if root == expected else 0.0


def majority_source(path: Path, entries: int, non_sdn: int) -> str:
    """``us-ofac-cons`` when most of a file's ``entries`` are on non-SDN lists, else ``us-ofac-sdn``;
    a file without entries is told by its name."""
    if entries:
        return "us-ofac-cons" if non_sdn * 2 > entries else "us-ofac-sdn"
    return "us-ofac-cons" if "cons" in path.name.lower() else "us-ofac-sdn"


def where(element: Element, name: str, key: str | None) -> str:
    """``line 12, sdnEntry[uid=9639]``: the place of an element in error messages."""
    return f"line {element.sourceline}, {name}" + (f"[{key}]" if key else "")


@dataclass
class _Survey:
    """What a first pass over the entries learns: the publish date, names for links, the list."""

    published: str | None = None
    entries: int = 0
    non_sdn: int = 0

    def source(self, path: Path) -> str:
        return majority_source(path, self.entries, self.non_sdn)


class OfacXmlFormat:
    name = "ofac-xml"
    sources = ("us-ofac-sdn", "us-ofac-cons")
    description = "OFAC legacy XML: sdn.xml or consolidated.xml (sdnList)"

    def sniff(self, path: Path, head: bytes) -> float:
        return sniff_root(path, head, ROOT)

    def parse(self, path: Path, source: str | None) -> ParsedList:
        namespace, _attrs = check_root(path, ROOT, "OFAC legacy XML")
        tags = Tags(namespace)
        survey = _Survey()
        uids: dict[int, int] = {}
        names: dict[str, str] = {}
        for element in iterparse(path, (tags("publshInformation"), tags(_ENTRY))):
            if local(element.tag) == "publshInformation":
                survey.published = _publish_date(path, element, tags)
                continue
            uid = _uid(path, element, tags)
            if uid in uids:
                raise ListFormatError(path, where(element, _ENTRY, f"uid={uid}"),
                                      f"uid {uid} already used on line {uids[uid]}", "one entry per uid")
            line = element.sourceline
            uids[uid] = line if isinstance(line, int) else 0
            names[str(uid)] = _primary_name(path, element, tags, uid)
            survey.entries += 1
            programs = tags.texts(element, "programList/program")
            id_types = tags.texts(element, "idList/id/idType")
            if any(_NON_SDN_PROGRAM.match(p) for p in programs) or any(t.startswith(_SSI_MARKER) for t in id_types):
                survey.non_sdn += 1
        chosen = source or survey.source(path)
        ids_by_name = ids_by_primary_name(names, chosen)
        meta = ListMeta(source=chosen, format=self.name, files=[str(path)], sha256=sha256_of(path),
                        published=survey.published, extra={"entries": survey.entries})
        return ParsedList(meta, self._entities(path, tags, chosen, ids_by_name))

    def _entities(self, path: Path, tags: Tags, source: str, ids_by_name: dict[str, str | None]) -> Iterator[Entity]:
        for element in iterparse(path, tags(_ENTRY)):
            yield self._entity(path, element, tags, source, ids_by_name)

    def _entity(self, path: Path, el: Element, tags: Tags, source: str, ids_by_name: dict[str, str | None]) -> Entity:
        uid = _uid(path, el, tags)
        primary = _primary_name(path, el, tags, uid)
        entity = Entity(id=f"{source}:{uid}", source=source, type=entity_type(tags.text(el, "sdnType"), primary),
                        names=[ofac_name(primary, NameKind.PRIMARY)],
                        programs=tags.texts(el, "programList/program"))
        title = tags.text(el, "title")
        if title:
            entity.titles.extend(t.strip() for t in title.split(";") if t.strip())
        for aka in el.iterfind(tags("akaList/aka")):
            name = join_parts((tags.text(aka, "lastName"), tags.text(aka, "firstName")), ", ")
            if name is None:
                continue
            alias_type = (tags.text(aka, "type") or "a.k.a.").casefold()
            weak = (tags.text(aka, "category") or "").casefold() == "weak"
            kind = NameKind.WEAK_ALIAS if weak else _ALIAS_KINDS.get(alias_type, NameKind.ALIAS)
            entity.names.append(ofac_name(name, kind, alias_type))
        for item in el.iterfind(tags("idList/id")):
            label = tags.text(item, "idType")
            if label:
                apply_label(entity, label, tags.text(item, "idNumber"), country=tags.text(item, "idCountry"),
                            issued=tags.text(item, "issueDate"), expires=tags.text(item, "expirationDate"))
        for dob in tags.texts(el, "dateOfBirthList/dateOfBirthItem/dateOfBirth"):
            apply_label(entity, "DOB", dob)
        for pob in tags.texts(el, "placeOfBirthList/placeOfBirthItem/placeOfBirth"):
            apply_label(entity, "POB", pob)
        for country in (tags.texts(el, "nationalityList/nationality/country")
                        + tags.texts(el, "citizenshipList/citizenship/country")):
            apply_label(entity, "nationality", country)
        for field, label in _VESSEL_FIELDS:
            value = tags.text(el, f"vesselInfo/{field}")
            if value:
                apply_label(entity, label, value)
        for item in el.iterfind(tags("addressList/address")):
            found = address([tags.text(item, f"address{i}") for i in (1, 2, 3)], city=tags.text(item, "city"),
                            region=tags.text(item, "stateOrProvince"), postal_code=tags.text(item, "postalCode"),
                            country=tags.text(item, "country"))
            if found is not None:
                entity.addresses.append(found)
                if found.country:
                    entity.countries.append(found.country)
        remarks = tags.text(el, "remarks")
        if remarks:
            entity.remarks = remarks
            parse_remarks(entity, remarks)
        resolve_links(entity, ids_by_name)
        entity.record = element_record(el)
        return finish(entity)


def _uid(path: Path, element: Element, tags: Tags) -> int:
    uid = tags.text(element, "uid")
    if uid is None or not is_number(uid):
        problem = f"uid {uid!r} is not a number" if uid else "uid missing"
        found = element.find(tags("uid"))
        place = where(found if found is not None else element, _ENTRY, None)
        raise ListFormatError(path, place + "/uid", problem, "<uid> with the entry number")
    return int(uid)


def _primary_name(path: Path, element: Element, tags: Tags, uid: int) -> str:
    last = tags.text(element, "lastName")
    if last is None:
        raise ListFormatError(path, where(element, _ENTRY, f"uid={uid}") + "/lastName", "lastName missing",
                              "<lastName> with the entry's name")
    first = tags.text(element, "firstName")
    return f"{last}, {first}" if first else last


def _publish_date(path: Path, element: Element, tags: Tags) -> str | None:
    text = tags.text(element, "Publish_Date")
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y").date().isoformat()
    except ValueError:
        dates = parse_dates(text)
        if len(dates) == 1:
            return dates[0]
    raise ListFormatError(path, where(element, "publshInformation", None) + "/Publish_Date",
                          f"bad date {text!r}", "MM/DD/YYYY")


FORMATS = [OfacXmlFormat()]
