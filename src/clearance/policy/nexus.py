"""Does a jurisdiction's law reach the event? Established, none, or assumed.

"persons" jurisdictions (OFAC, the EU, the UK) are reached by a party that is one of their
persons (flag), a party established in their territory, a place of the event in their territory
(or airspace, where the pack says overflight counts), or a payment in a currency cleared there.
The US.BIS nexus is an item or aircraft subject to the EAR.

Where nothing tells, the jurisdiction is evaluated as if one of its persons took part, and the
nexus says "assumed"; "none" (NOT_APPLICABLE) needs the transaction to say so: every party
flagged as not one of its persons, or nothing subject to the EAR.
"""

from __future__ import annotations

from collections.abc import Callable

from clearance.policy.facts import Facts
from clearance.policy.schema import Jurisdiction

ESTABLISHED, ASSUMED, NONE = "established", "assumed", "none"
_PERSON = {"us_person": "a US person", "eu_person": "an EU person", "uk_person": "a UK person"}


def nexus(jurisdiction: Jurisdiction, facts: Facts, countries: Callable[[tuple[str, ...]], frozenset[str]]) -> str:
    """``established: <grounds>`` | ``assumed: <why>`` | ``none: <why>``."""
    if jurisdiction.nexus == "ear":
        return _ear_nexus(facts)
    grounds: list[str] = []
    flag = jurisdiction.person_flag
    territory = countries(jurisdiction.countries)
    participants = facts.participants()
    for node in participants:
        value = node.flags.get(flag) if flag else None
        if value is True:
            grounds.append(f"{node.label} is {_PERSON.get(flag or '', 'a person')}")
        elif value is None and node.country in territory:
            grounds.append(f"{node.label} is established in {node.country}")
    roles = ("from", "to", "via", "leg", "destination") + (("fir",) if jurisdiction.airspace else ())
    for place in facts.places:
        if place.role in roles and place.country in territory:
            grounds.append(f"{place.path} {place.label} is in {place.country}"
                           + (" airspace" if place.role == "fir" else ""))
    amount = facts.tx.amount
    if amount is not None and amount.currency in jurisdiction.currencies:
        grounds.append(f"payment in {amount.currency}, cleared through {jurisdiction.name} banks "
                       f"({jurisdiction.currency_certainty.value})")
    if grounds:
        return f"{ESTABLISHED}: " + "; ".join(dict.fromkeys(grounds))
    if participants and flag and all(node.flags.get(flag) is False for node in participants):
        return f"{NONE}: every party is stated not to be {_PERSON.get(flag, 'a person')} and no place or " \
               f"currency ties the event to {jurisdiction.name}"
    return f"{ASSUMED}: nothing in the transaction says whether {jurisdiction.name} persons take part; " \
           "evaluated as if one does"


def _ear_nexus(facts: Facts) -> str:
    things = []
    if facts.aircraft is not None:
        things.append(("aircraft " + facts.aircraft.label, facts.aircraft.subject_to_ear))
    things += [(item.label, item.subject_to_ear) for item in facts.items]
    subject = [f"{label}: {tri.why}" for label, tri in things if tri.value is True]
    if subject:
        return f"{ESTABLISHED}: " + "; ".join(subject)
    if things and all(tri.value is False for _, tri in things):
        return f"{NONE}: nothing in the transaction is subject to the EAR"
    if not things and facts.tx.kind == "payment":
        return f"{NONE}: a payment with no items or aircraft: nothing subject to the EAR moves"
    unknown = [tri.why for _, tri in things if tri.value is None]
    why = "; ".join(unknown) if unknown else "no items or aircraft are described"
    return f"{ASSUMED}: {why}; evaluated as if items subject to the EAR take part"
