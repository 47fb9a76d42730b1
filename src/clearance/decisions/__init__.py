"""Decisions and memory: API keys, monitored counterparties, stored screenings and checks, the
alert queue with its judgements, and re-screening after list changes. Persistence over the store;
every write goes through the audit log in the same transaction."""

from clearance.decisions.alerts import Alert, AlertEvent, Alerts, AlertStatus, Candidate, Judgement, Outcome
from clearance.decisions.counterparties import Counterparties, Counterparty
from clearance.decisions.keys import ApiKey, Keys, NewKey, Role
from clearance.decisions.records import Records, StoredCheck, StoredScreening

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertStatus",
    "Alerts",
    "ApiKey",
    "Candidate",
    "Counterparties",
    "Counterparty",
    "Judgement",
    "Keys",
    "NewKey",
    "Outcome",
    "Records",
    "Role",
    "StoredCheck",
    "StoredScreening",
]
