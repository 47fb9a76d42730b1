"""Shaping stored records for the HTML pages (no decisions are made here)."""

from __future__ import annotations

from typing import Any

# Where each feature's row goes in the side-by-side explanation: names, identifiers, qualifiers.
_GROUPS = (("identifier", "identifiers"), ("name", "names"), ("token", "names"), ("translit", "names"))


def feature_group(feature: str) -> str:
    lowered = feature.lower()
    for needle, group in _GROUPS:
        if needle in lowered:
            return group
    return "qualifiers"


def explain_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """A stored hit with its explanation grouped (names, identifiers, qualifiers), each row holding
    the query's value and the listed value side by side."""
    groups: dict[str, list[dict[str, Any]]] = {"names": [], "identifiers": [], "qualifiers": []}
    for feature in hit.get("explanation", []):
        groups[feature_group(str(feature.get("feature", "")))].append(feature)
    return {**hit, "groups": groups}


JURISDICTIONS = ("US.OFAC", "US.BIS", "EU", "UK")


def by_jurisdiction(verdicts: dict[str, Any]) -> list[tuple[str, Any]]:
    """Verdicts in a fixed reading order: US.OFAC, US.BIS, EU, UK, then any other."""
    def rank(item: tuple[str, Any]) -> tuple[int, str]:
        name = item[0]
        return (JURISDICTIONS.index(name) if name in JURISDICTIONS else len(JURISDICTIONS), name)

    return sorted(verdicts.items(), key=rank)
