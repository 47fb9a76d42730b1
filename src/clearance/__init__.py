"""clearance: sanctions and export-control compliance engine.

The public API is what ``__all__`` names; everything else may change between releases.
"""

from clearance.engine import Engine, EntityView
from clearance.errors import (
    ClearanceError,
    ListFormatError,
    NotFoundError,
    UserInputError,
)
from clearance.model import Entity, EntityType, Identifier, IdScheme, Name, NameKind
from clearance.settings import Settings

__all__ = [
    "ClearanceError",
    "Engine",
    "Entity",
    "EntityType",
    "EntityView",
    "IdScheme",
    "Identifier",
    "ListFormatError",
    "Name",
    "NameKind",
    "NotFoundError",
    "Settings",
    "UserInputError",
]
