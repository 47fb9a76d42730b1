"""Shaping stored records for the HTML pages (no decisions are made here)."""

from __future__ import annotations

import re
from typing import Any

# Where each feature's row goes in the side-by-side explanation: names, identifiers, qualifiers.
_GROUPS = (("identifier", "identifiers"), ("name", "names"), ("token", "names"), ("translit", "names"))


def feature_group(feature: str) -> str:
    lowered = feature.lower()
    for needle, group in _GROUPS:
        if needle in lowered:
            return group
    return "qualifiers"


# The name feature's detail as the matcher writes it: how each name was read ("'Лукашенко' as
# 'lukashenko'; ..."), then " | ", then the word pairings joined by "; ": "a=b", "a≈b (how 0.91)",
# "a≠b (contradiction, cost 0.5)", "+a (only in query, cost 0.2)".
_PAIRING = re.compile(r"^(?P<q>[^=≈≠]+?)(?P<op>[=≈≠])(?P<c>[^(]+?)(?: \((?P<note>.*)\))?$")
_EXTRA = re.compile(r"^\+(?P<word>.+?) \(only in (?P<side>query|candidate)(?:, (?P<note>.*))?\)$")


def alignment(detail: str) -> tuple[str, list[dict[str, str]]]:
    """(how the names were read, rows of query word, relation, listed word, note). A detail in
    another shape gives no rows, and the page shows it as text."""
    reading, _, pairings = detail.rpartition(" | ")
    rows = []
    for part in pairings.split("; "):
        if match := _EXTRA.match(part):
            word, side = match["word"], match["side"]
            rows.append({"q": word if side == "query" else "", "op": "+", "c": word if side == "candidate" else "",
                         "note": f"only in {side}" + (f", {match['note']}" if match["note"] else "")})
        elif match := _PAIRING.match(part):
            rows.append({"q": match["q"], "op": match["op"], "c": match["c"], "note": match["note"] or ""})
        else:
            return "", []
    return reading, rows


def explain_hit(hit: dict[str, Any]) -> dict[str, Any]:
    """A stored hit with its explanation grouped (names, identifiers, qualifiers), each row holding
    the query's value and the listed value side by side; the name row also word by word."""
    groups: dict[str, list[dict[str, Any]]] = {"names": [], "identifiers": [], "qualifiers": []}
    for feature in hit.get("explanation", []):
        row = dict(feature)
        if row.get("feature") == "name":
            row["reading"], row["alignment"] = alignment(str(row.get("detail") or ""))
        groups[feature_group(str(row.get("feature", "")))].append(row)
    return {**hit, "groups": groups}


JURISDICTIONS = ("US.OFAC", "US.BIS", "EU", "UK")


def by_jurisdiction(verdicts: dict[str, Any]) -> list[tuple[str, Any]]:
    """Verdicts in a fixed reading order: US.OFAC, US.BIS, EU, UK, then any other."""
    def rank(item: tuple[str, Any]) -> tuple[int, str]:
        name = item[0]
        return (JURISDICTIONS.index(name) if name in JURISDICTIONS else len(JURISDICTIONS), name)

    return sorted(verdicts.items(), key=rank)
