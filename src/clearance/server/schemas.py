"""Request bodies of the JSON API, validated at the edge: a bad field is a 422 that names it.

Unknown fields are refused (``extra="forbid"``) so a misspelt field is an error, not silently
ignored. Responses are the library's documented ``to_dict`` shapes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi import Query as QueryParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearance.decisions.counterparties import parse_identifiers
from clearance.errors import QueryError
from clearance.model import EntityType
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Query

MAX_BATCH = 1000
MAX_ID = 2**62  # record ids are 64-bit integers in both databases: a larger one cannot exist
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, QueryParam(ge=0, le=10**9)]
Page = Annotated[int, QueryParam(ge=0, le=10**6)]
Before = Annotated[int | None, QueryParam(ge=1, le=MAX_ID)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class QueryIn(BaseModel):
    """A screening query, as ``clearance screen`` takes it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "Aleksandr Lukashenko", "type": "person", "birth_date": "1954", "country": "BY"}]
    })
    name: Annotated[str, StringConstraints(max_length=500)] = ""
    type: EntityType | None = None
    birth_date: PartialDate | None = None
    country: Annotated[str, StringConstraints(max_length=60)] | None = None
    identifiers: list[IdentifierIn | Text200] = Field(default_factory=list, max_length=50,
                                                      description='"SCHEME:VALUE" or {"scheme", "value"}')
    sources: list[Text200] = Field(default_factory=list, max_length=50, description="Only these sources.")
    id: Text200 | None = Field(None, description="Your reference, echoed in the result.")
    limit: int = Field(10, ge=1, le=100, description="Most results returned.")
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="Match threshold (default: the engine's).")

    def to_query(self, where: str = "query") -> Query:
        country = None
        if self.country:
            country = to_country_code(self.country)
            if country is None:
                raise QueryError(f"{where}: field 'country' {self.country!r}: expected an ISO 3166 code or name")
        birth_date = None
        if self.birth_date:
            birth_date = parse_partial_date(self.birth_date)
            if birth_date is None:
                raise QueryError(f"{where}: field 'birth_date' {self.birth_date!r} is not a valid date")
        raw = [i if isinstance(i, str) else {"scheme": i.scheme, "value": i.value} for i in self.identifiers]
        identifiers = parse_identifiers(raw, where=where)
        return Query(name=" ".join(self.name.split()), type=self.type, birth_date=birth_date, country=country,
                     identifiers=identifiers, sources=tuple(self.sources), id=self.id)


class CounterpartyIn(BaseModel):
    """A counterparty to monitor: screened when saved, and again whenever a list changes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "OJSC Belavia Belarusian Airlines", "type": "company", "country": "BY",
                      "identifiers": ["tax_id:600390798"]}]
    })
    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    type: EntityType | None = None
    country: Annotated[str, StringConstraints(max_length=60)] | None = None
    birth_date: PartialDate | None = None
    identifiers: list[IdentifierIn | Text200] = Field(default_factory=list, max_length=50)
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None
    monitored: bool = True

    def as_input(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data["identifiers"] = [i if isinstance(i, str) else {"scheme": i.scheme, "value": i.value}
                               for i in self.identifiers]
        if self.type is not None:
            data["type"] = self.type.value
        return data


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"judgement": "false_positive", "reason": "Different date of birth and nationality."}]
    })
    judgement: Annotated[str, StringConstraints(pattern=r"^(true_match|false_positive|escalate)$")]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    revision: int | None = Field(None, ge=0, description="The alert revision you decided on; a newer one is a 409.")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Annotated[str, StringConstraints(pattern=r"^(viewer|analyst|admin)$")]
    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
