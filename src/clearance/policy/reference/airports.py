"""Airports to country and ISO 3166-2 subdivision: the maintained ``airportsdata`` package, then
the documented override table for contested territory (``airport_overrides.yml``).

``airportsdata`` gives each airport's ICAO and IATA code, country (ISO alpha-2) and subdivision
*name*; the name is matched to an ISO 3166-2 code from pycountry. A name that fits no
subdivision, or more than one (``Minsk``: the city BY-HM or the region BY-MI?), leaves the
subdivision unknown rather than guessed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata, resources
from typing import Any

import pycountry
import yaml

# Words that name the kind of subdivision, not which one: dropped before comparing names.
_GENERIC = {
    "oblast", "oblast'", "voblasc", "voblast", "region", "province", "county", "voivodeship", "voivodship", "krai",
    "kray", "republic", "respublika", "autonomous", "avtonomnyy", "okrug", "city", "horad", "gorod", "municipality",
    "district", "state", "prefecture", "governorate", "of", "the", "and",
}


@dataclass(frozen=True, slots=True)
class AirportInfo:
    code: str  # the code asked for
    icao: str | None
    iata: str | None
    name: str
    city: str | None
    country: str
    subdivision: str | None  # ISO 3166-2 code, None when the data does not say which
    subdivision_name: str | None  # as the data writes it
    source: str  # "airportsdata 20260905" or "override (airport_overrides.yml)"
    claimed_by: str | None = None  # a state claiming the territory (contested: RU for Crimea)
    recorded: str | None = None  # what the dataset said when the override replaced it
    subdivision_candidates: tuple[str, ...] = ()  # when the name fits several (Kyiv: UA-30 or UA-32)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "icao": self.icao,
            "iata": self.iata,
            "name": self.name,
            "city": self.city,
            "country": self.country,
            "subdivision": self.subdivision,
            "subdivision_name": self.subdivision_name,
            "source": self.source,
            "claimed_by": self.claimed_by,
            "recorded": self.recorded,
            "subdivision_candidates": list(self.subdivision_candidates),
        }


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() or c == "'" else " " for c in ascii_text).split()
    return " ".join(w for w in words if w not in _GENERIC and w.rstrip("'") not in _GENERIC)


class SubdivisionNames:
    """Subdivision name -> ISO 3166-2 code within a country, unique matches only."""

    def __init__(self, extra: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.extra = {c: {_fold(n): code for n, code in names.items()} for c, names in (extra or {}).items()}

    @cached_property
    def _by_country(self) -> dict[str, list[tuple[str, str]]]:
        table: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for sub in pycountry.subdivisions:
            table[str(sub.country_code)].append((_fold(str(sub.name)), str(sub.code)))
        return table

    def code(self, country: str, name: str | None) -> str | None:
        found = self.candidates(country, name)
        return found[0] if len(found) == 1 else None

    def candidates(self, country: str, name: str | None) -> tuple[str, ...]:
        """Every subdivision the name may mean: one when it is unambiguous, none when it fits nothing."""
        if not name:
            return ()
        wanted = _fold(name)
        if not wanted:
            return ()
        if wanted in self.extra.get(country, {}):
            return (self.extra[country][wanted],)
        candidates = self._by_country.get(country, [])
        exact = {code for folded, code in candidates if folded == wanted}
        near = {
            code for folded, code in candidates
            if min(len(folded), len(wanted)) >= 4 and (folded.startswith(wanted) or wanted.startswith(folded))
        }
        return tuple(sorted(exact)) if len(exact) == 1 and not near - exact else tuple(sorted(exact | near))


def _package_version() -> str:
    try:
        return metadata.version("airportsdata")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return "unknown"


class AirportIndex:
    """Look airports up by IATA or ICAO code (or a known alias such as ``URFF``)."""

    def __init__(self, records: Iterable[Mapping[str, Any]], overrides: Mapping[str, Any] | None = None,
                 source: str = "records") -> None:
        self.source = source
        overrides = overrides or {}
        self.subdivisions = SubdivisionNames(overrides.get("subdivision_names"))
        self._by_icao: dict[str, Mapping[str, Any]] = {}
        self._by_iata: dict[str, Mapping[str, Any]] = {}
        prefixes: dict[str, Counter[str]] = defaultdict(Counter)
        for record in records:
            icao = str(record.get("icao") or "").upper()
            iata = str(record.get("iata") or "").upper()
            if icao:
                self._by_icao[icao] = record
                for length in (1, 2, 3):
                    prefixes[icao[:length]][str(record.get("country") or "")] += 1
            if iata and iata not in self._by_iata:
                self._by_iata[iata] = record
        self._overrides: dict[str, Mapping[str, Any]] = {}
        for entry in overrides.get("airports", []):
            for code in (entry.get("icao"), entry.get("iata"), *entry.get("aliases", [])):
                if code:
                    self._overrides[str(code).upper()] = entry
        # An ICAO location prefix belongs to one state when (nearly) all its airports are there;
        # this places a FIR code such as EPWW in PL without a hand-kept table. The longest such
        # prefix wins: UM is shared by BY and RU (Kaliningrad, UMKK), UMM is Belarus alone.
        self._prefix_country: dict[str, str] = {}
        for prefix, counts in prefixes.items():
            country, n = counts.most_common(1)[0]
            if country and n >= 0.95 * sum(counts.values()):
                self._prefix_country[prefix] = country

    @classmethod
    def default(cls) -> AirportIndex:
        """airportsdata's ICAO table plus the packaged override table."""
        import airportsdata

        text = resources.files("clearance.policy.reference").joinpath("airport_overrides.yml").read_text("utf-8")
        overrides = yaml.safe_load(text)
        return cls(airportsdata.load("ICAO").values(), overrides, source=f"airportsdata {_package_version()}")

    def _record(self, code: str) -> Mapping[str, Any] | None:
        return self._by_icao.get(code) if len(code) == 4 else self._by_iata.get(code)

    def get(self, code: str) -> AirportInfo | None:
        wanted = code.strip().upper()
        override = self._overrides.get(wanted)
        record = self._record(wanted)
        if override is not None:
            for alt in (override.get("icao"), override.get("iata"), *override.get("aliases", [])):
                record = record or (self._record(str(alt).upper()) if alt else None)
            recorded = None
            if record is not None and (record.get("country"), record.get("icao")) != (
                override["country"], override.get("icao")
            ):
                recorded = f"{record.get('icao') or '-'}/{record.get('country') or '-'} ({record.get('subd') or '-'})"
            return AirportInfo(
                code=wanted,
                icao=override.get("icao"),
                iata=override.get("iata"),
                name=str(override.get("name") or (record or {}).get("name") or wanted),
                city=override.get("city") or (record or {}).get("city"),
                country=str(override["country"]),
                subdivision=override.get("subdivision"),
                subdivision_name=(record or {}).get("subd") or None,
                source="override (airport_overrides.yml)",
                claimed_by=override.get("claimed_by"),
                recorded=recorded,
            )
        if record is None:
            return None
        country = str(record.get("country") or "")
        subd = str(record.get("subd") or "") or None
        candidates = self.subdivisions.candidates(country, subd)
        return AirportInfo(
            code=wanted,
            icao=str(record.get("icao") or "") or None,
            iata=str(record.get("iata") or "") or None,
            name=str(record.get("name") or wanted),
            city=str(record.get("city") or "") or None,
            country=country,
            subdivision=candidates[0] if len(candidates) == 1 else None,
            subdivision_name=subd,
            source=self.source,
            subdivision_candidates=candidates if len(candidates) > 1 else (),
        )

    def exists(self, code: str) -> bool:
        wanted = code.strip().upper()
        return wanted in self._overrides or self._record(wanted) is not None

    def fir_country(self, code: str) -> str | None:
        """The state of a FIR (``EPWW`` -> PL) from its ICAO location prefix, None when ambiguous."""
        wanted = code.strip().upper()
        for length in (3, 2, 1):
            country = self._prefix_country.get(wanted[:length])
            if country is not None:
                return country
        return None
