"""Country names and codes as publishers write them, to ISO 3166-1 alpha-2.

The lookup is rigour's territory database (which knows sanctions-list spellings such as
"Korea, North" or "Burma") with pycountry as the authority for plain ISO codes.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from rigour.territories import lookup_territory


@lru_cache(maxsize=4096)
def to_country_code(text: str | None) -> str | None:
    """ISO alpha-2 (upper case) for a country name or code, or None when unknown.

    A sub-national territory (rigour's ``ua-cri`` for Crimea) maps to its country (``UA``):
    the subdivision is a policy question answered by the policy layer's zones, not here.
    """
    if not text:
        return None
    cleaned = text.strip().strip(".;,")
    if not cleaned:
        return None
    if len(cleaned) == 2 and cleaned.isalpha():
        country = pycountry.countries.get(alpha_2=cleaned.upper())
        if country is not None:
            return str(country.alpha_2)
        if cleaned.upper() == "XK":  # Kosovo: user-assigned code, used by every sanctions list
            return "XK"
    if len(cleaned) == 3 and cleaned.isalpha():
        country = pycountry.countries.get(alpha_3=cleaned.upper())
        if country is not None:
            return str(country.alpha_2)
    territory = lookup_territory(cleaned)
    if territory is None:
        return None
    code = str(territory.code).split("-", 1)[0].upper()
    return code if len(code) == 2 else None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    return str(country.name) if country is not None else code
