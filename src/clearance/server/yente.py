"""``POST /match/{dataset}``: OpenSanctions yente's matching API, so yente clients work unchanged.

Requests carry FollowTheMoney-style examples (``queries: {key: {schema, properties}}``); the
response mirrors yente's ``EntityMatchResponse``: per key a ``status``, ``total``, the ``query``
echoed and ``results`` with ``id``, ``caption``, ``schema``, ``properties``, ``datasets``, ``score``,
``match``, ``features`` and ``explanations`` (each ``{score, detail, query, candidate}``).
Every query is screened and stored like ``POST /screen`` (origin ``match``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from clearance.engine import Engine
from clearance.errors import NotFoundError, QueryError
from clearance.model import Entity, EntityType, Identifier, IdScheme, NameKind, VersionInfo
from clearance.model.countries import to_country_code
from clearance.model.dates import parse_partial_date
from clearance.model.screening import Hit
from clearance.model.screening import Query as ScreenQuery
from clearance.server.api import Analyst
from clearance.server.auth import engine_of

router = APIRouter(tags=["yente-compatible"])
MAX_QUERIES = 100
MAX_NAMES = 5  # names per example screened (name, alias, ...); the best score per entity wins

SCHEMA_TYPES: dict[str, EntityType | None] = {
    "Person": EntityType.PERSON, "Company": EntityType.COMPANY, "Organization": EntityType.ORGANIZATION,
    "PublicBody": EntityType.ORGANIZATION, "Vessel": EntityType.VESSEL, "Airplane": EntityType.AIRCRAFT,
    "LegalEntity": None, "Thing": None,
}
TYPE_SCHEMAS = {EntityType.PERSON: "Person", EntityType.COMPANY: "Company",
                EntityType.ORGANIZATION: "Organization", EntityType.VESSEL: "Vessel", EntityType.AIRCRAFT: "Airplane"}
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "flag", "mainCountry")
# FtM identifier properties and clearance's schemes, both ways.
ID_PROPS: dict[str, IdScheme] = {
    "taxNumber": IdScheme.TAX_ID, "innCode": IdScheme.TAX_ID, "vatCode": IdScheme.TAX_ID,
    "registrationNumber": IdScheme.REGISTRATION, "ogrnCode": IdScheme.REGISTRATION,
    "passportNumber": IdScheme.PASSPORT, "idNumber": IdScheme.NATIONAL_ID, "imoNumber": IdScheme.IMO,
    "mmsi": IdScheme.MMSI, "swiftBic": IdScheme.SWIFT_BIC, "bicCode": IdScheme.SWIFT_BIC, "leiCode": IdScheme.LEI,
    "callSign": IdScheme.CALL_SIGN, "email": IdScheme.EMAIL, "website": IdScheme.WEBSITE, "phone": IdScheme.PHONE,
    "serialNumber": IdScheme.MSN,
}
SCHEME_PROPS: dict[IdScheme, str] = {
    IdScheme.TAX_ID: "taxNumber", IdScheme.REGISTRATION: "registrationNumber", IdScheme.PASSPORT: "passportNumber",
    IdScheme.NATIONAL_ID: "idNumber", IdScheme.IMO: "imoNumber", IdScheme.MMSI: "mmsi", IdScheme.SWIFT_BIC: "swiftBic",
    IdScheme.LEI: "leiCode", IdScheme.CALL_SIGN: "callSign", IdScheme.EMAIL: "email", IdScheme.WEBSITE: "website",
    IdScheme.PHONE: "phone", IdScheme.TAIL_NUMBER: "registrationNumber", IdScheme.MSN: "serialNumber",
    IdScheme.CRYPTO_WALLET: "publicKey",
}


class EntityExample(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: str | None = Field(None, max_length=200, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", max_length=50, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(..., examples=[{"name": ["John Doe"]}])


class EntityMatchQuery(BaseModel):
    weights: dict[str, float] = Field(default_factory=dict, description="Accepted for compatibility; ignored.")
    config: dict[str, str | int | float | bool | None] = Field(default_factory=dict,
                                                              description="Accepted for compatibility; ignored.")
    queries: dict[str, EntityExample] = Field(..., max_length=MAX_QUERIES)


def _values(props: dict[str, str | list[Any]], name: str) -> list[str]:
    raw = props.get(name, [])
    items = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in items if isinstance(v, (str, int, float)) and str(v).strip()]


def example_queries(key: str, example: EntityExample, sources: tuple[str, ...]) -> list[ScreenQuery]:
    """One screening query per name of the example (the first few), sharing its qualifiers."""
    where = f"queries.{key}"
    if example.schema_ not in SCHEMA_TYPES:
        raise QueryError(f"{where}.schema {example.schema_!r}: expected one of {', '.join(SCHEMA_TYPES)}")
    props = example.properties
    names = list(dict.fromkeys(n for prop in NAME_PROPS for n in _values(props, prop)))
    if not names:
        parts = [p for prop in ("firstName", "middleName", "fatherName", "lastName") for p in _values(props, prop)]
        names = [" ".join(parts)] if parts else []
    identifiers: list[Identifier] = []
    for prop, scheme in ID_PROPS.items():
        if SCHEMA_TYPES[example.schema_] is EntityType.AIRCRAFT and prop == "registrationNumber":
            scheme = IdScheme.TAIL_NUMBER
        identifiers += [Identifier(scheme, v) for v in _values(props, prop)]
    if not names and not identifiers:
        raise QueryError(f"{where}.properties: a name (name, alias, firstName/lastName) or an identifier is required")
    birth = next((d for d in (parse_partial_date(v) for v in _values(props, "birthDate")) if d), None)
    country = next((c for c in (to_country_code(v) for p in COUNTRY_PROPS for v in _values(props, p)) if c), None)
    gender = next(iter(_values(props, "gender")), None)
    common: dict[str, Any] = {"type": SCHEMA_TYPES[example.schema_], "birth_date": birth, "country": country,
                              "identifiers": tuple(identifiers), "gender": gender, "sources": sources, "id": key}
    return [ScreenQuery(name=n[:500], **common) for n in (names[:MAX_NAMES] or [""])]


def entity_properties(entity: Entity) -> dict[str, list[str]]:
    """An entity as FollowTheMoney properties."""
    props: dict[str, list[str]] = {}

    def add(prop: str, value: str | None) -> None:
        if value and value not in props.setdefault(prop, []):
            props[prop].append(value)

    for name in entity.names:
        prop = {NameKind.PRIMARY: "name", NameKind.WEAK_ALIAS: "weakAlias",
                NameKind.PREVIOUS: "previousName"}.get(name.kind, "alias")
        add(prop, name.value)
    for identifier in entity.identifiers:
        add(SCHEME_PROPS.get(identifier.scheme, "idNumber"), identifier.value)
    person = entity.type is EntityType.PERSON
    for value in entity.birth_dates:
        add("birthDate", value)
    for value in entity.birth_places:
        add("birthPlace", value)
    for value in entity.incorporation_dates:
        add("incorporationDate", value)
    for value in entity.nationalities:
        add("nationality", value.lower())
    for value in entity.countries:
        add("country" if person else "jurisdiction", value.lower())
    for value in entity.programs:
        add("program", value)
    for address in entity.addresses:
        add("address", address.full or ", ".join(p for p in (address.street, address.city, address.postal_code,
                                                              address.region, address.country_name) if p))
    add("gender", entity.gender)
    add("notes", entity.remarks)
    props["topics"] = ["sanction"]
    return props


def scored_result(hit: Hit, entity: Entity | None) -> dict[str, Any]:
    explanations = {f.feature: {"score": round(f.score, 4), "detail": f.detail, "query": f.query,
                                "candidate": f.candidate} for f in hit.explanation}
    return {
        "id": hit.entity_id,
        "caption": hit.name,
        "schema": TYPE_SCHEMAS[hit.type],
        "properties": entity_properties(entity) if entity is not None else {"name": [hit.name]},
        "datasets": [hit.source],
        "referents": [],
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": None,
        "score": round(hit.score, 4),
        "features": {f.feature: round(f.score, 4) for f in hit.explanation},
        "explanations": explanations,
        "match": hit.match,
        "token": None,
    }


@router.post("/match/{dataset}", summary="Query-by-example matching, compatible with OpenSanctions yente.")
def match(request: Request, key: Analyst, dataset: str, body: EntityMatchQuery,
          limit: Annotated[int, Query(ge=1, le=500)] = 5,
          threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
          cutoff: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
          algorithm: Annotated[str, Query(max_length=50, description="Accepted; clearance has one.")] = "clearance",
          include_dataset: Annotated[list[str] | None, Query()] = None,
          exclude_dataset: Annotated[list[str] | None, Query()] = None,
          exclude_schema: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
    engine = engine_of(request)
    sources = _sources(engine.lists(), dataset, include_dataset or [], exclude_dataset or [])
    if not body.queries:
        raise QueryError("queries: no queries provided")
    excluded = {SCHEMA_TYPES.get(s) for s in exclude_schema or [] if SCHEMA_TYPES.get(s)}
    plan = [(k, example, example_queries(k, example, sources)) for k, example in body.queries.items()]
    flat = [q for _, _, queries in plan for q in queries]
    stored = engine.screen_and_record(flat, actor=key.actor, origin="match", limit=limit, threshold=threshold)
    results = iter(stored)
    responses: dict[str, Any] = {}
    for name, example, queries in plan:
        best: dict[str, Hit] = {}
        for _ in queries:
            screened = next(results).screened
            assert screened is not None  # fresh from the engine, not read back
            for hit in screened.results:
                if hit.entity_id not in best or hit.score > best[hit.entity_id].score:
                    best[hit.entity_id] = hit
        hits = sorted((h for h in best.values() if h.score >= cutoff and h.type not in excluded),
                      key=lambda h: -h.score)
        top = hits[:limit]
        entities = {h.entity_id: _entity_or_none(engine, h.entity_id) for h in top}
        responses[name] = {
            "status": 200,
            "results": [scored_result(h, entities[h.entity_id]) for h in top],
            "total": {"value": len(hits), "relation": "eq"},
            "query": {"id": example.id, "schema": example.schema_, "properties": example.properties},
        }
    return {"responses": responses, "limit": limit}


def _sources(loaded: list[VersionInfo], dataset: str, include: list[str], exclude: list[str]) -> tuple[str, ...]:
    """yente's dataset scopes: ``default``/``sanctions``/``all`` are every loaded list; a source id is one."""
    known = [v.source for v in loaded]
    if dataset in ("default", "sanctions", "all"):
        chosen = list(known)
    elif dataset in known:
        chosen = [dataset]
    else:
        raise NotFoundError(f"dataset {dataset!r}: expected default, sanctions or a loaded source "
                            f"({', '.join(known) or 'none loaded'})")
    if include:
        chosen = [s for s in chosen if s in include]
    chosen = [s for s in chosen if s not in exclude]
    if not chosen:
        raise QueryError(f"dataset {dataset!r}: include_dataset/exclude_dataset leave no list to screen")
    return tuple(chosen)


def _entity_or_none(engine: Engine, entity_id: str) -> Entity | None:
    try:
        return engine.entity(entity_id).entity
    except NotFoundError:
        return None  # e.g. a policy pack's listing, not held in the store

