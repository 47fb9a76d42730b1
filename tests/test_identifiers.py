from __future__ import annotations

import pytest

from clearance.matching.identifiers import identifier_key
from clearance.model import IdScheme

pytestmark = pytest.mark.store_independent


@pytest.mark.parametrize(
    "value", ["EW-001PA", "EW001PA", "ew 001pa", "EW.001PA", "\u0415W-001\u0420\u0410", " ew-001pa "]
)
def test_tail_number_forms_share_one_key(value: str) -> None:
    assert identifier_key(value, IdScheme.TAIL_NUMBER) == "EW001PA"


def test_different_aircraft_stay_different() -> None:
    assert identifier_key("EW-001PB") != identifier_key("EW-001PA")
    assert identifier_key("EW-OO1PA") != identifier_key("EW-001PA")  # ASCII O is not zero


def test_scheme_prefixes_dropped() -> None:
    assert identifier_key("IMO 9123456", IdScheme.IMO) == "9123456"
    assert identifier_key("9123456", IdScheme.IMO) == "9123456"
