"""Policy: dated, multi-jurisdiction verdicts on transactions, from declarative packs.

Pure: no database, no network, no printing. The engine gives it the packs, the airport index,
a screening function and the loaded list versions; it returns a :class:`~clearance.model.verdict.Verdict`.
"""

from clearance.policy.loader import load_pack
from clearance.policy.packset import PolicySet, builtin_pack_dirs, load_packs, pack_entities, user_pack_dirs
from clearance.policy.reference.airports import AirportIndex, AirportInfo
from clearance.policy.report import AirportReport, airport_report
from clearance.policy.schema import Pack

__all__ = [
    "AirportIndex",
    "AirportInfo",
    "AirportReport",
    "Pack",
    "PolicySet",
    "airport_report",
    "builtin_pack_dirs",
    "load_pack",
    "load_packs",
    "pack_entities",
    "user_pack_dirs",
]
