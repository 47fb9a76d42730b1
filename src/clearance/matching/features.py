"""The screening algorithm: a declared list of weighted features.

Each feature compares one aspect of a query and a listed entity and returns a
:class:`~clearance.model.screening.FeatureScore` (score 0..1, weight, detail, and the query and
candidate values it compared) or None when it has nothing to say. *Main* features (name,
identifier) each propose a score; the best weighted one is the base. *Qualifiers* then add
their ``score * weight``: a birth date in agreement lifts the score a little, a different birth
year, country or gender lowers it, a name that agrees only in generic words is cut down.
The final score is clipped to 0..1; the list of feature scores is the explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clearance.matching.align import NameAlignment, best_alignment
from clearance.matching.names import Family, NameForm
from clearance.model import EntityType, IdScheme
from clearance.model.screening import FeatureScore

# Identifier schemes that name one thing only: an exact match is as good as a name match.
STRONG_SCHEMES = frozenset({
    IdScheme.IMO, IdScheme.MMSI, IdScheme.TAIL_NUMBER, IdScheme.PREVIOUS_TAIL_NUMBER, IdScheme.MSN,
    IdScheme.MODE_S, IdScheme.SWIFT_BIC, IdScheme.LEI, IdScheme.TAX_ID, IdScheme.REGISTRATION,
    IdScheme.CRYPTO_WALLET,
})
# Schemes that are the same kind of number (a previous tail number is a tail number).
_SCHEME_FAMILY = {IdScheme.PREVIOUS_TAIL_NUMBER: IdScheme.TAIL_NUMBER}


@dataclass(frozen=True, slots=True)
class IdentifierKey:
    key: str  # clearance.matching.identifiers.identifier_key
    scheme: IdScheme  # OTHER (a label the publisher chose, or a query name that looks like a code)
    # agrees with any scheme
    value: str  # as written


@dataclass(slots=True)
class Candidate:
    """A listed entity as the matcher sees it: analysed names and comparable qualifiers."""

    entity_id: str
    source: str
    type: EntityType
    family: Family
    caption: str
    programs: tuple[str, ...]
    name_ids: range  # its names in the index (analysed on demand)
    birth_dates: tuple[str, ...]
    countries: frozenset[str]
    gender: str | None
    identifiers: tuple[IdentifierKey, ...]


@dataclass(slots=True)
class PreparedQuery:
    """A query with its names analysed once (per name family, on first use)."""

    name: str
    type: EntityType | None
    birth_date: str | None
    country: str | None
    gender: str | None
    identifiers: tuple[IdentifierKey, ...]
    analyse: Callable[[Family], list[NameForm]]
    _forms: dict[Family, list[NameForm]] = field(default_factory=dict)

    @property
    def family(self) -> Family | None:
        return FAMILY_OF_TYPE_OR_NONE.get(self.type) if self.type else None

    def forms(self, family: Family) -> list[NameForm]:
        """The query's names analysed for comparison with candidates of ``family``."""
        own = self.family
        wanted = own if own is not None else _any_for(family)
        if wanted not in self._forms:
            self._forms[wanted] = self.analyse(wanted)
        return self._forms[wanted]


def _any_for(family: Family) -> Family:
    # A query of unknown type is read as a person's name against persons, as an organisation's
    # against the rest, so that honorifics and legal forms are handled either way.
    return Family.PERSON if family is Family.PERSON else Family.ORGANIZATION


FAMILY_OF_TYPE_OR_NONE: dict[EntityType | None, Family] = {
    EntityType.PERSON: Family.PERSON,
    EntityType.ORGANIZATION: Family.ORGANIZATION,
    EntityType.COMPANY: Family.ORGANIZATION,
    EntityType.VESSEL: Family.OBJECT,
    EntityType.AIRCRAFT: Family.OBJECT,
}


@dataclass(slots=True)
class Comparison:
    """What the features of one (query, candidate) pair share: the best name alignment."""

    query: PreparedQuery
    candidate: Candidate
    alignment: NameAlignment | None


FeatureFunc = Callable[[Comparison], FeatureScore | None]


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    weight: float
    func: FeatureFunc
    main: bool  # main features propose a score; qualifiers add score * weight to it
    description: str


# -- main features ---------------------------------------------------------------------------
def name_feature(cmp: Comparison) -> FeatureScore | None:
    al = cmp.alignment
    if al is None or al.score <= 0.0:
        return None
    detail = f"{_reading(al.query)}; {_reading(al.candidate)} | {al.describe()}"
    return FeatureScore("name", al.score, NAME_WEIGHT, detail, al.query.original, al.candidate.original)


def _reading(form: NameForm) -> str:
    """How a name was compared: "'Лукашенко' read as 'lukashenko'" (transliterated), or
    "'LUKASHENKO, Aleksandr' as 'lukashenko aleksandr'" (case, punctuation, legal forms)."""
    verb = "as" if form.original.isascii() else "read as"
    return f"{form.original!r} {verb} {form.text!r}"


def identifier_feature(cmp: Comparison) -> FeatureScore | None:
    best: FeatureScore | None = None
    for q in cmp.query.identifiers:
        for c in cmp.candidate.identifiers:
            if q.key != c.key or not _schemes_agree(q.scheme, c.scheme):
                continue
            strong = c.scheme in STRONG_SCHEMES and (q.scheme is IdScheme.OTHER or q.scheme in STRONG_SCHEMES)
            score = 1.0 if strong else 0.9
            scheme = c.scheme.value
            found = FeatureScore(
                "identifier", score, IDENTIFIER_WEIGHT,
                f"{scheme} {q.value!r} = {c.value!r} (key {q.key})", q.value, c.value,
            )
            if best is None or found.score > best.score:
                best = found
    return best


def _schemes_agree(query: IdScheme, candidate: IdScheme) -> bool:
    if query is IdScheme.OTHER or candidate is IdScheme.OTHER:
        return True
    return _SCHEME_FAMILY.get(query, query) is _SCHEME_FAMILY.get(candidate, candidate)


# -- qualifiers -------------------------------------------------------------------------------
def generic_name_feature(cmp: Comparison) -> FeatureScore | None:
    """A name that agrees only in legal forms and generic words ("Trading", "LLC") is no match."""
    al = cmp.alignment
    if al is None or al.score <= 0.0 or al.distinctive_pairs > 0:
        return None
    return FeatureScore("generic_name", 1.0, GENERIC_NAME_WEIGHT,
                        "only generic words, legal forms or particles agree", al.query.text, al.candidate.text)


def identifier_conflict_feature(cmp: Comparison) -> FeatureScore | None:
    """Both sides give a strong identifier of the same scheme, and no value agrees."""
    by_scheme: dict[IdScheme, list[IdentifierKey]] = {}
    for c in cmp.candidate.identifiers:
        by_scheme.setdefault(_SCHEME_FAMILY.get(c.scheme, c.scheme), []).append(c)
    for q in cmp.query.identifiers:
        if q.scheme not in STRONG_SCHEMES:
            continue
        listed = by_scheme.get(_SCHEME_FAMILY.get(q.scheme, q.scheme), [])
        if listed and all(c.key != q.key for c in listed):
            values = ", ".join(c.value for c in listed)
            return FeatureScore("identifier_conflict", 1.0, IDENTIFIER_CONFLICT_WEIGHT,
                                f"{q.scheme.value} differs", q.value, values)
    return None


def birth_date_feature(cmp: Comparison) -> FeatureScore | None:
    """Agreement of birth dates at the precision both sides give (a year alone agrees with a day
    in that year); a different year separates father from son."""
    query = cmp.query.birth_date
    dates = cmp.candidate.birth_dates
    if not query or not dates or cmp.candidate.family is not Family.PERSON:
        return None
    best_rank, best_date = -1, dates[0]
    for listed in dates:
        rank = _date_agreement(query, listed)
        if rank > best_rank:
            best_rank, best_date = rank, listed
    if best_rank >= 1:
        precision = min(len(query), len(best_date))
        what = {4: "year", 7: "year and month", 10: "date"}.get(precision, "date")
        return FeatureScore("birth_date", 1.0, BIRTH_DATE_WEIGHT, f"same {what} of birth", query, best_date)
    return None


def birth_date_mismatch_feature(cmp: Comparison) -> FeatureScore | None:
    """Birth dates that disagree: years two or more apart (father and son) weigh fully; a year
    apart, or the same year with another month or day, weigh little (typing errors, and lists
    that give an approximate year)."""
    query = cmp.query.birth_date
    dates = cmp.candidate.birth_dates
    if not query or not dates or cmp.candidate.family is not Family.PERSON:
        return None
    ranks = [_date_agreement(query, listed) for listed in dates]
    closest = max(ranks)
    if closest >= 1:
        return None
    listed = ", ".join(dates)
    if closest == 0:
        detail = "same year of birth, different month or day"
    elif closest == -1:
        detail = "year of birth one year apart"
    else:
        return FeatureScore("birth_date_mismatch", 1.0, BIRTH_DATE_MISMATCH_WEIGHT,
                            "different year of birth", query, listed)
    return FeatureScore("birth_date_mismatch", NEAR_DATE_SHARE, BIRTH_DATE_MISMATCH_WEIGHT, detail, query, listed)


def _date_agreement(a: str, b: str) -> int:
    """1: agree at the shared precision; 0: same year, differ below; -1: a year apart; -2: more."""
    precision = min(len(a), len(b))
    if a[:precision] == b[:precision]:
        return 1
    if a[:4] == b[:4]:
        return 0
    try:
        return -1 if abs(int(a[:4]) - int(b[:4])) == 1 else -2
    except ValueError:
        return -2


def country_mismatch_feature(cmp: Comparison) -> FeatureScore | None:
    country = cmp.query.country
    listed = cmp.candidate.countries
    if not country or not listed or country in listed:
        return None
    return FeatureScore("country_mismatch", 1.0, COUNTRY_MISMATCH_WEIGHT,
                        "the query's country is none of the entity's countries", country, ", ".join(sorted(listed)))


def gender_mismatch_feature(cmp: Comparison) -> FeatureScore | None:
    query, listed = cmp.query.gender, cmp.candidate.gender
    if not query or not listed or query == listed:
        return None
    return FeatureScore("gender_mismatch", 1.0, GENDER_MISMATCH_WEIGHT, "different gender", query, listed)


def type_mismatch_feature(cmp: Comparison) -> FeatureScore | None:
    family = cmp.query.family
    candidate = cmp.candidate
    if family is None or family is candidate.family:
        if cmp.query.type in (EntityType.VESSEL, EntityType.AIRCRAFT) and cmp.query.type is not candidate.type:
            return FeatureScore("type_mismatch", 1.0, TYPE_MISMATCH_WEIGHT, "a vessel is not an aircraft",
                                cmp.query.type.value, candidate.type.value)
        return None
    assert cmp.query.type is not None
    return FeatureScore("type_mismatch", 1.0, TYPE_MISMATCH_WEIGHT, "incompatible entity types",
                        cmp.query.type.value, candidate.type.value)


NAME_WEIGHT = 1.0
IDENTIFIER_WEIGHT = 0.98
GENERIC_NAME_WEIGHT = -0.4
IDENTIFIER_CONFLICT_WEIGHT = -0.3
BIRTH_DATE_WEIGHT = 0.05
BIRTH_DATE_MISMATCH_WEIGHT = -0.3
NEAR_DATE_SHARE = 0.4  # a year apart, or the same year with another day: 0.4 of the full weight
COUNTRY_MISMATCH_WEIGHT = -0.1
GENDER_MISMATCH_WEIGHT = -0.2
TYPE_MISMATCH_WEIGHT = -1.0

FEATURES: tuple[Feature, ...] = (
    Feature("name", NAME_WEIGHT, name_feature, True,
            "Best alignment of a query name with a listed name (transliterated, token by token)."),
    Feature("identifier", IDENTIFIER_WEIGHT, identifier_feature, True,
            "An identifier equal after normalisation (look-alike letters folded), schemes compatible."),
    Feature("generic_name", GENERIC_NAME_WEIGHT, generic_name_feature, False,
            "The names agree only in generic words, legal forms or particles."),
    Feature("identifier_conflict", IDENTIFIER_CONFLICT_WEIGHT, identifier_conflict_feature, False,
            "Both give a strong identifier of the same scheme and the values differ."),
    Feature("birth_date", BIRTH_DATE_WEIGHT, birth_date_feature, False,
            "Birth dates agree at the precision both give."),
    Feature("birth_date_mismatch", BIRTH_DATE_MISMATCH_WEIGHT, birth_date_mismatch_feature, False,
            "Birth years two or more apart (score 1); a year apart or another month/day (score 0.4)."),
    Feature("country_mismatch", COUNTRY_MISMATCH_WEIGHT, country_mismatch_feature, False,
            "The query's country is none of the entity's countries or nationalities."),
    Feature("gender_mismatch", GENDER_MISMATCH_WEIGHT, gender_mismatch_feature, False,
            "Query and entity give different genders."),
    Feature("type_mismatch", TYPE_MISMATCH_WEIGHT, type_mismatch_feature, False,
            "A person against an organisation, a vessel against an aircraft."),
)
# The most the qualifiers can add: a candidate whose main score is below floor - MAX_BONUS
# cannot reach the floor, so it need not be scored in full.
MAX_BONUS = sum(f.weight for f in FEATURES if not f.main and f.weight > 0)


def compare(query: PreparedQuery, candidate: Candidate, names: list[NameForm]) -> Comparison:
    """Align the query's names with ``names`` (some or all of the candidate's names)."""
    alignment = best_alignment(query.forms(candidate.family), names)
    return Comparison(query, candidate, alignment)


def score(cmp: Comparison) -> tuple[float, tuple[FeatureScore, ...]]:
    """The weighted score and the features that fired, main features first."""
    fired: list[FeatureScore] = []
    base = 0.0
    for feature in FEATURES:
        if not feature.main:
            continue
        result = feature.func(cmp)
        if result is not None and result.score > 0.0:
            fired.append(result)
            base = max(base, result.score * result.weight)
    if base <= 0.0:
        return 0.0, tuple(fired)
    total = base
    for feature in FEATURES:
        if feature.main:
            continue
        result = feature.func(cmp)
        if result is not None:
            fired.append(result)
            total += result.score * result.weight
    return min(1.0, max(0.0, total)), tuple(fired)
