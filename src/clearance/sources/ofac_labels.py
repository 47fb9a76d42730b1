"""OFAC's labels for facts about a listed party, and where each lands in clearance's model.

All four OFAC formats print the same vocabulary: the legacy CSV and XML put ``Tax ID No. 600390798
(Belarus)`` or ``Aircraft Tail Number EW-001PA`` into Remarks or ``idList``; the Advanced and
Enhanced XML carry the same labels as feature types and identity-document types. Keeping the
vocabulary here, once, makes the four parsers agree on what each label means.

The table is OFAC's own reference data (the ``ID DOCUMENT TYPE`` and feature-type values of the
Sanctions List Service), mapped by hand to clearance's identifier schemes and fields: no library
keeps this mapping. Labels are matched case-insensitively, with OFAC's two apostrophes (``'`` and
``’``, both used in "Aircraft Manufacturer's Serial Number") treated as one and trailing ``:`` or
``-`` ignored ("Secondary sanctions risk:", "Additional Sanctions Information -").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from clearance.model import IdScheme


class Field(StrEnum):
    """Where a labelled value goes on an :class:`~clearance.model.Entity`."""

    IDENTIFIER = "identifier"  # a document number: "VALUE (Country) issued DATE expires DATE"
    CODE = "code"  # an identifier printed bare (SWIFT/BIC, tail number, website, wallet, ...)
    BIRTH_DATE = "birth_date"
    BIRTH_PLACE = "birth_place"
    INCORPORATION_DATE = "incorporation_date"
    NATIONALITY = "nationality"
    COUNTRY = "country"  # jurisdiction / registration country
    GENDER = "gender"
    TITLE = "title"
    PROPERTY = "property"
    PROPERTY_DATE = "property_date"  # a property whose value is a date (kept as partial ISO)
    FLAG = "flag"  # vessel flag: a property and a country
    LINK = "link"  # a related party named in the value ("Linked To: X")
    WEAK_NAME = "weak_name"  # a.k.a./f.k.a. printed in Remarks: OFAC's low-quality names
    ADDRESS = "address"  # advanced/enhanced "Location" features


@dataclass(frozen=True, slots=True)
class Target:
    field: Field
    scheme: IdScheme | None = None  # for IDENTIFIER and CODE
    key: str | None = None  # property key, link kind, or name quality
    link: str | None = None  # PROPERTY values that also name a party: the link kind ("operated_by")


def slug(label: str) -> str:
    """``"Executive Order 13846 information:"`` -> ``"executive_order_13846_information"``."""
    return re.sub(r"[^a-z0-9]+", "_", normalize_label(label)).strip("_")


@lru_cache(maxsize=4096)
def normalize_label(label: str) -> str:
    text = label.replace("’", "'").replace("‘", "'").casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*[:\-]$", "", text).strip()


def _ids(scheme: IdScheme, *labels: str) -> dict[str, Target]:
    return {label: Target(Field.IDENTIFIER, scheme) for label in labels}


def _codes(scheme: IdScheme, *labels: str) -> dict[str, Target]:
    return {label: Target(Field.CODE, scheme) for label in labels}


def _props(*labels: str) -> dict[str, Target]:
    return {label: Target(Field.PROPERTY, key=slug(label)) for label in labels}


# Identity-document types (OFAC's "ID DOCUMENT TYPE" reference values, plus spellings seen only
# in Remarks). Their values read "NUMBER (Issuing Country) issued DATE expires DATE".
_DOCUMENTS: dict[str, Target] = {
    **_ids(IdScheme.TAX_ID, "Tax ID No.", "R.F.C.", "RFC", "NIT #", "RUC #", "US FEIN", "C.I.F.", "N.I.F.",
           "C.U.I.T.", "Italian Fiscal Code", "Fiscal Code", "Paraguayan tax identification number",
           "V.A.T. Number", "RIF #", "Romanian Tax Registration", "RTN", "RSIN",
           "Numero Unico de Identificacao Tributaria (NUIT)"),
    **_ids(IdScheme.REGISTRATION, "Registration ID", "Registration Number", "Business Registration Document #",
           "Business Registration Number", "Business Number", "Company Number", "UK Company Number",
           "Commercial Registry Number", "C.R. No.", "Romanian C.R.", "Certificate of Incorporation Number",
           "Government Gazette Number", "Chamber of Commerce Number", "Dubai Chamber of Commerce Membership No.",
           "Istanbul Chamber of Comm. No.", "Enterprise Number", "Branch Unit Number", "Folio Mercantil No.",
           "Matricula Mercantil No", "Trade License No.", "Registration Certificate Number (Dubai)",
           "Public Registration Number", "Central Registration System Number", "Economic Register Number (CBLS)",
           "Unified Social Credit Code (USCC)", "United Social Credit Code Certificate (USCCC)",
           "Organization Code", "Registered Charity No.", "MSB Registration Number",
           "Russian State Individual Business Registration Number Pattern (OGRNIP)"),
    **_ids(IdScheme.LEI, "Legal Entity Number"),
    **_ids(IdScheme.PASSPORT, "Passport", "Diplomatic Passport", "British National Overseas Passport",
           "Stateless Person Passport"),
    **_ids(IdScheme.NATIONAL_ID, "National ID No.", "Cedula No.", "D.N.I.", "C.U.R.P.", "Identification Number",
           "Personal ID Card", "Kenyan ID No.", "Bosnian Personal ID No.", "Moroccan Personal ID No.",
           "Turkish Identification Number", "C.I.N.", "SSN", "National Foreign ID Number", "Numero de Identidad",
           "Tazkira National ID Card", "UAE Identification", "Citizen's Card Number",
           "CNP (Personal Numerical Code)", "C.U.I.", "N.I.E.", "Stateless Person ID Card", "Refugee ID Card",
           "Credencial electoral", "I.F.E."),
    **_ids(IdScheme.IMO, "Vessel Registration Identification"),
    **_ids(IdScheme.MMSI, "MMSI"),
    **_ids(IdScheme.MSN, "Aircraft Serial Identification"),
    **_ids(IdScheme.OTHER, "Driver's License No.", "C.U.I.P.", "Electoral Registry No.", "Residency Number",
           "Romanian Permanent Resident", "Birth Certificate Number", "Public Security and Immigration No.",
           "Immigration No.", "Travel Document Number", "Serial No.", "Tourism License No.",
           "Cartilla de Servicio Militar Nacional", "VisaNumberID", "Pilot License Number", "SRE Permit No.",
           "Afghan Money Service Provider License Number", "License", "Chinese Commercial Code", "File Number",
           "Seafarer's Identification Document", "Trademark number", "Permit Number",
           "Military Registration Number", "Global Intermediary Identification Number"),
}

# Feature types (and their Remarks spellings) whose value is an identifier printed bare.
_CODES: dict[str, Target] = {
    **_codes(IdScheme.SWIFT_BIC, "SWIFT/BIC"),
    **_codes(IdScheme.WEBSITE, "Website"),
    **_codes(IdScheme.EMAIL, "Email Address", "Email"),
    **_codes(IdScheme.PHONE, "Phone Number", "Phone No.", "Phone", "Telephone No.", "Telephone", "Fax No.", "Fax"),
    **_codes(IdScheme.TAIL_NUMBER, "Aircraft Tail Number"),
    **_codes(IdScheme.PREVIOUS_TAIL_NUMBER, "Previous Aircraft Tail Number"),
    **_codes(IdScheme.MSN, "Aircraft Manufacturer's Serial Number (MSN)"),
    **_codes(IdScheme.CONSTRUCTION_NUMBER, "Aircraft Construction Number (also called L/N or S/N or F/N)"),
    **_codes(IdScheme.MODE_S, "Aircraft Mode S Transponder Code"),
    **_codes(IdScheme.CALL_SIGN, "Vessel Call Sign", "Other Vessel Call Sign"),
    **_codes(IdScheme.OTHER, "BIK (RU)", "D-U-N-S Number", "ISIN", "MICEX Code"),
}

_FIELDS: dict[str, Target] = {
    "DOB": Target(Field.BIRTH_DATE),
    "Birthdate": Target(Field.BIRTH_DATE),
    "POB": Target(Field.BIRTH_PLACE),
    "Place of Birth": Target(Field.BIRTH_PLACE),
    "Organization Established Date": Target(Field.INCORPORATION_DATE),
    "Date of Registration": Target(Field.INCORPORATION_DATE),
    "nationality": Target(Field.NATIONALITY),
    "Nationality Country": Target(Field.NATIONALITY),
    "citizen": Target(Field.NATIONALITY),
    "Citizenship Country": Target(Field.NATIONALITY),
    "Nationality of Registration": Target(Field.COUNTRY),
    "Registration Country": Target(Field.COUNTRY),
    "Gender": Target(Field.GENDER),
    "Title": Target(Field.TITLE),
    "Position": Target(Field.TITLE),
    "Location": Target(Field.ADDRESS),
    "Linked To": Target(Field.LINK, key="linked_to"),
    "a.k.a.": Target(Field.WEAK_NAME, key="a.k.a."),
    "f.k.a.": Target(Field.WEAK_NAME, key="f.k.a."),
    "n.k.a.": Target(Field.WEAK_NAME, key="n.k.a."),
    "Vessel Flag": Target(Field.FLAG, key="vessel_flag"),
    "Aircraft Manufacture Date": Target(Field.PROPERTY_DATE, key="aircraft_manufacture_date"),
    "Purchase/Sales For Divestment Date (CMIC)": Target(Field.PROPERTY_DATE, key=slug("Purchase/Sales For "
                                                                                       "Divestment Date (CMIC)")),
    "Aircraft Operator": Target(Field.PROPERTY, key="aircraft_operator", link="operated_by"),
    "Vessel Owner": Target(Field.PROPERTY, key="vessel_owner", link="owned_by"),
    "Aircraft Model": Target(Field.PROPERTY, key="aircraft_model"),
    "VESSEL TYPE": Target(Field.PROPERTY, key="vessel_type"),
    "Vessel Tonnage": Target(Field.PROPERTY, key="vessel_tonnage"),
    "Vessel Gross Registered Tonnage": Target(Field.PROPERTY, key="vessel_gross_registered_tonnage"),
    **_props("Vessel Year of Build", "Other Vessel Flag", "Former Vessel Flag", "Other Vessel Type",
             "Additional Sanctions Information", "Secondary sanctions risk",
             "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions",
             "Executive Order 13662 Directive Determination", "Executive Order 13846 information",
             "Executive Order 14014 Directive Information", "Executive Order 14024 Directive Information",
             "Executive Order 14059 information", "CAATSA Section 235 Information", "IFCA Determination",
             "PEESA Information", "Organization Type", "Target Type", "Equity Ticker", "Issuer Name", "UN/LOCODE"),
}

# Label families whose members OFAC adds over time: matched by pattern, the full label kept.
_FAMILIES: tuple[tuple[str, Target], ...] = (
    (r"Digital Currency Address - [A-Za-z0-9]+", Target(Field.CODE, IdScheme.CRYPTO_WALLET)),
    (r"Listing Date \([^()]*\)", Target(Field.PROPERTY_DATE)),
    (r"Effective Date \([^()]*\)", Target(Field.PROPERTY_DATE)),
)

LABELS: dict[str, Target] = {normalize_label(k): v for k, v in {**_DOCUMENTS, **_CODES, **_FIELDS}.items()}
_FAMILY_PATTERNS = tuple((re.compile(p + r"$", re.IGNORECASE), t) for p, t in _FAMILIES)


@lru_cache(maxsize=4096)
def target_for(label: str) -> Target | None:
    """The model field a publisher label maps to, or None for a label clearance does not know."""
    norm = normalize_label(label)
    found = LABELS.get(norm)
    if found is not None:
        return found
    for pattern, target in _FAMILY_PATTERNS:
        if pattern.match(norm):
            return Target(target.field, target.scheme, target.key or slug(label))
    return None


def label_pattern() -> str:
    """A regex alternation of every known label (longest first, so the most specific wins),
    allowing either apostrophe: the head of a Remarks clause is matched against it."""
    alternatives = []
    for label in sorted(set(_DOCUMENTS) | set(_CODES) | set(_FIELDS), key=len, reverse=True):
        escaped = re.escape(label).replace("'", "['’]")
        alternatives.append(escaped)
    alternatives += [p for p, _ in _FAMILIES]
    return "|".join(alternatives)
