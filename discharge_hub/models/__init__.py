"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from discharge_hub.models.adt import AdtLocation, AdtMessage
from discharge_hub.models.audit import AuditEntry
from discharge_hub.models.base import Base, UtcDateTime, Versioned
from discharge_hub.models.care import Barrier, Carer, CarerContact
from discharge_hub.models.estate import Bed, Site, Ward
from discharge_hub.models.fact import SpellFact
from discharge_hub.models.hub import (
    HubReferral,
    Placement,
    Provider,
    ProviderPlace,
    ProviderServiceType,
    ProviderVacancy,
)
from discharge_hub.models.live import ChangeCounter, ChangeLog
from discharge_hub.models.patient import SEX_CODES, Patient
from discharge_hub.models.people import HubSetting, Person
from discharge_hub.models.reference import (
    BarrierKind,
    ContactMethod,
    Criterion,
    DelayReason,
    Destination,
    EthnicCategory,
    Method,
    Pathway,
    Place,
    ServiceType,
)
from discharge_hub.models.spell import CtrReview, CtrReviewCriterion, EddChange, Red2GreenDay, Spell

__all__ = [
    "SEX_CODES",
    "AdtLocation",
    "AdtMessage",
    "AuditEntry",
    "Barrier",
    "BarrierKind",
    "Base",
    "Bed",
    "Carer",
    "ChangeCounter",
    "ChangeLog",
    "CarerContact",
    "ContactMethod",
    "Criterion",
    "CtrReview",
    "CtrReviewCriterion",
    "DelayReason",
    "Destination",
    "EddChange",
    "EthnicCategory",
    "HubReferral",
    "HubSetting",
    "Method",
    "Pathway",
    "Patient",
    "Person",
    "Place",
    "Placement",
    "Provider",
    "ProviderPlace",
    "ProviderServiceType",
    "ProviderVacancy",
    "Red2GreenDay",
    "ServiceType",
    "Site",
    "Spell",
    "SpellFact",
    "UtcDateTime",
    "Versioned",
    "Ward",
]
