"""The data contract: source export and de-identified warehouse tables.

This module is the single, typed transcription of ``shared/design/schema.md``. The demo
generator writes exactly the *source* columns listed here, ingestion checks every source
file against them, and the warehouse tables are created from the *warehouse* columns.

Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColType(StrEnum):
    """Logical column types (DuckDB spelling)."""

    VARCHAR = "VARCHAR"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    TIMESTAMP = "TIMESTAMP"
    DECIMAL = "DECIMAL(12,2)"
    DOUBLE = "DOUBLE"


@dataclass(frozen=True)
class Column:
    """One column: name, type, whether NULL is allowed and its closed vocabulary, if any."""

    name: str
    type: ColType
    nullable: bool = True
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    """``column`` references ``ref_table.ref_column``; orphans are quarantined."""

    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    """A warehouse table and how its source export differs from it.

    ``source_columns`` are the columns of the export file (with identifiers);
    ``columns`` are the warehouse columns (de-identified). ``primary_key`` names the
    warehouse key (``patient_key`` for patients, whose source key is ``patient_id``).
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    source_columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""
    free_text: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        """The warehouse column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def source_column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.source_columns)


V, I, B, D, T, M = (  # noqa: E741 (short aliases for the tables below)
    ColType.VARCHAR,
    ColType.INTEGER,
    ColType.BOOLEAN,
    ColType.DATE,
    ColType.TIMESTAMP,
    ColType.DECIMAL,
)

# Closed vocabularies (schema.md). Anything else in a source row is quarantined.
STAFF_ROLES = ("optometrist", "optician", "technician", "front_desk", "office_manager")
GENDERS = ("F", "M", "X", "U")
REFERRAL_SOURCES = (
    "google",
    "insurance_directory",
    "word_of_mouth",
    "physician_referral",
    "social_media",
    "walk_in",
    "campaign",
)
INSURANCE_TYPES = ("vision_plan", "medical", "both", "self_pay")
INSURANCE_CARRIERS = ("VSP", "EyeMed", "Davis Vision", "Spectera", "Medicare", "Blue Cross", "Aetna", "None")
PREFERRED_CHANNELS = ("email", "sms", "phone", "portal")
APPOINTMENT_TYPES = (
    "comprehensive_exam",
    "contact_lens_exam",
    "medical_visit",
    "follow_up",
    "myopia_management",
    "dry_eye_treatment",
    "optical_pickup",
)
BOOKING_CHANNELS = ("phone", "online", "walk_in", "recall")
APPOINTMENT_STATUSES = ("completed", "no_show", "cancelled", "scheduled")
CHARGE_CATEGORIES = ("exam", "contact_lenses", "frames", "spectacle_lenses", "sunglasses", "medical", "other")
PAYER_TYPES = ("vision_plan", "medical_insurance", "self_pay")
PRODUCT_CATEGORIES = ("frames", "contact_lenses", "sunglasses", "spectacle_lenses")
MOVEMENT_TYPES = ("receipt", "sale", "return", "adjustment", "transfer_in", "transfer_out")
MARKETING_CHANNELS = ("email", "sms", "google_ads", "meta_ads", "direct_mail")
SERVICE_LINES = (
    "annual_exam_recall",
    "contact_lenses",
    "myopia_management",
    "dry_eye",
    "eyewear_promo",
    "new_patient",
)
MESSAGE_CHANNELS = ("email", "sms")
RECALL_TYPES = ("annual_exam", "contact_lens_renewal", "medical_follow_up")

# Safe Harbor restricted three-digit ZIP prefixes (population under 20,000): become '000'.
RESTRICTED_ZIP3 = frozenset(
    ("036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878", "879", "884")
    + ("890", "893")
)

PATIENT_ID = Column("patient_id", V, nullable=False)
PATIENT_KEY = Column("patient_key", V, nullable=False)


def _c(name: str, typ: ColType, nullable: bool = True, categories: tuple[str, ...] = ()) -> Column:
    return Column(name, typ, nullable, categories)


def _table(
    name: str,
    cols: list[Column],
    pk: tuple[str, ...],
    fks: tuple[ForeignKey, ...] = (),
    description: str = "",
    free_text: tuple[str, ...] = (),
) -> Table:
    """A table whose source differs only by ``patient_id`` in place of ``patient_key``."""
    source = tuple(PATIENT_ID if c.name == "patient_key" else c for c in cols)
    return Table(name, tuple(cols), pk, source, fks, description, free_text)


LOCATIONS = _table(
    "locations",
    [
        _c("location_id", V, False),
        _c("location_name", V, False),
        _c("city", V),
        _c("state", V),
        _c("opened_on", D),
        _c("exam_rooms", I),
    ],
    ("location_id",),
    description="Practice locations (offices).",
)

STAFF = _table(
    "staff",
    [
        _c("staff_id", V, False),
        _c("staff_name", V, False),
        _c("role", V, False, STAFF_ROLES),
        _c("home_location_id", V),
        _c("hired_on", D),
        _c("is_active", B),
    ],
    ("staff_id",),
    (ForeignKey("home_location_id", "locations", "location_id"),),
    description="Employees (not patients): optometrists, opticians, technicians, front desk.",
)

_PATIENT_SHARED = [
    _c("gender", V, True, GENDERS),
    _c("home_location_id", V),
    _c("first_visit_on", D),
    _c("referral_source", V, True, REFERRAL_SOURCES),
    _c("insurance_type", V, True, INSURANCE_TYPES),
    _c("insurance_carrier", V, True, INSURANCE_CARRIERS),
    _c("preferred_channel", V, True, PREFERRED_CHANNELS),
    _c("marketing_opt_in", B),
]

PATIENTS = Table(
    "patients",
    columns=(
        PATIENT_KEY,
        _c("birth_year", I),
        _c("age_90_plus", B),
        *_PATIENT_SHARED[:1],
        _c("zip3", V),
        *_PATIENT_SHARED[1:],
    ),
    primary_key=("patient_key",),
    source_columns=(
        PATIENT_ID,
        _c("first_name", V),
        _c("last_name", V),
        _c("date_of_birth", D),
        _c("phone", V),
        _c("email", V),
        _c("street_address", V),
        _c("city", V),
        _c("zip", V),
        *_PATIENT_SHARED,
    ),
    foreign_keys=(ForeignKey("home_location_id", "locations", "location_id"),),
    description="Patients, de-identified: keyed-hash key, birth year, ZIP3.",
)

# Source columns of patients that are direct identifiers: they never reach the warehouse.
PATIENT_IDENTIFIER_COLUMNS = (
    "patient_id",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "street_address",
    "city",
    "zip",
)

APPOINTMENTS = _table(
    "appointments",
    [
        _c("appointment_id", V, False),
        PATIENT_KEY,
        _c("location_id", V, False),
        _c("provider_id", V),
        _c("appointment_type", V, False, APPOINTMENT_TYPES),
        _c("booking_channel", V, True, BOOKING_CHANNELS),
        _c("booked_at", T),
        _c("scheduled_at", T, False),
        _c("scheduled_minutes", I),
        _c("status", V, False, APPOINTMENT_STATUSES),
        _c("cancelled_at", T),
        _c("is_new_patient", B),
        _c("campaign_id", V),
    ],
    ("appointment_id",),
    (
        ForeignKey("patient_key", "patients", "patient_key"),
        ForeignKey("location_id", "locations", "location_id"),
        ForeignKey("provider_id", "staff", "staff_id"),
        ForeignKey("campaign_id", "campaigns", "campaign_id"),
    ),
    description="Appointments; metrics dated by scheduled_at.",
)

PATIENT_FLOW = _table(
    "patient_flow",
    [
        _c("appointment_id", V, False),
        _c("checked_in_at", T),
        _c("pretest_started_at", T),
        _c("exam_started_at", T),
        _c("exam_ended_at", T),
        _c("optical_started_at", T),
        _c("checked_out_at", T),
    ],
    ("appointment_id",),
    (ForeignKey("appointment_id", "appointments", "appointment_id"),),
    description="One row per completed appointment: check-in to check-out timestamps.",
)

CHARGES = _table(
    "charges",
    [
        _c("charge_id", V, False),
        _c("appointment_id", V),
        PATIENT_KEY,
        _c("location_id", V, False),
        _c("provider_id", V),
        _c("service_date", D, False),
        _c("category", V, False, CHARGE_CATEGORIES),
        _c("sku", V),
        _c("quantity", I),
        _c("charge_amount", M, False),
        _c("insurance_paid", M),
        _c("patient_paid", M),
        _c("adjustment_amount", M),
        _c("payer_type", V, True, PAYER_TYPES),
    ],
    ("charge_id",),
    (
        ForeignKey("appointment_id", "appointments", "appointment_id"),
        ForeignKey("patient_key", "patients", "patient_key"),
        ForeignKey("location_id", "locations", "location_id"),
        ForeignKey("provider_id", "staff", "staff_id"),
    ),
    description="Every billed line (services and products); revenue dated by service_date.",
)

INVENTORY_ITEMS = _table(
    "inventory_items",
    [
        _c("sku", V, False),
        _c("product_category", V, False, PRODUCT_CATEGORIES),
        _c("brand", V),
        _c("model_name", V),
        _c("supplier", V),
        _c("unit_cost", M),
        _c("retail_price", M),
        _c("lead_time_days", I),
        _c("reorder_point", I),
    ],
    ("sku",),
    description="Products: frames, contact lenses, sunglasses, spectacle lenses.",
)

INVENTORY_MOVEMENTS = _table(
    "inventory_movements",
    [
        _c("movement_id", V, False),
        _c("sku", V, False),
        _c("location_id", V, False),
        _c("moved_on", D, False),
        _c("movement_type", V, False, MOVEMENT_TYPES),
        _c("quantity", I, False),
    ],
    ("movement_id",),
    (
        ForeignKey("sku", "inventory_items", "sku"),
        ForeignKey("location_id", "locations", "location_id"),
    ),
    description="Stock movements, signed quantity (+ in, - out).",
)

TIMECLOCK = _table(
    "timeclock",
    [
        _c("shift_id", V, False),
        _c("staff_id", V, False),
        _c("location_id", V, False),
        _c("work_date", D, False),
        _c("scheduled_hours", M),
        _c("clock_in", T),
        _c("clock_out", T),
        _c("break_minutes", I),
    ],
    ("shift_id",),
    (
        ForeignKey("staff_id", "staff", "staff_id"),
        ForeignKey("location_id", "locations", "location_id"),
    ),
    description="One row per staff shift.",
)

CAMPAIGNS = _table(
    "campaigns",
    [
        _c("campaign_id", V, False),
        _c("campaign_name", V, False),
        _c("channel", V, False, MARKETING_CHANNELS),
        _c("service_line", V, True, SERVICE_LINES),
        _c("start_on", D),
        _c("end_on", D),
        _c("budget", M),
    ],
    ("campaign_id",),
    description="Marketing campaigns.",
)

CAMPAIGN_SPEND = _table(
    "campaign_spend",
    [
        _c("campaign_id", V, False),
        _c("spend_on", D, False),
        _c("spend_amount", M),
        _c("impressions", I),
        _c("clicks", I),
    ],
    ("campaign_id", "spend_on"),
    (ForeignKey("campaign_id", "campaigns", "campaign_id"),),
    description="Daily campaign spend.",
)

CAMPAIGN_MESSAGES = _table(
    "campaign_messages",
    [
        _c("message_id", V, False),
        _c("campaign_id", V, False),
        PATIENT_KEY,
        _c("channel", V, False, MESSAGE_CHANNELS),
        _c("sent_at", T, False),
        _c("opened", B),
        _c("clicked", B),
        _c("opted_out", B),
    ],
    ("message_id",),
    (
        ForeignKey("campaign_id", "campaigns", "campaign_id"),
        ForeignKey("patient_key", "patients", "patient_key"),
    ),
    description="Email and SMS sends of campaigns.",
)

RECALLS = _table(
    "recalls",
    [
        _c("recall_id", V, False),
        PATIENT_KEY,
        _c("location_id", V, False),
        _c("recall_type", V, False, RECALL_TYPES),
        _c("due_on", D, False),
        _c("first_contacted_on", D),
        _c("appointment_id", V),
    ],
    ("recall_id",),
    (
        ForeignKey("patient_key", "patients", "patient_key"),
        ForeignKey("location_id", "locations", "location_id"),
        ForeignKey("appointment_id", "appointments", "appointment_id"),
    ),
    description="Recalls due; metrics dated by due_on.",
)

SURVEYS = _table(
    "surveys",
    [
        _c("survey_id", V, False),
        _c("appointment_id", V),
        _c("location_id", V, False),
        _c("submitted_at", T, False),
        _c("nps_score", I, False),
        _c("comment", V),
    ],
    ("survey_id",),
    (
        ForeignKey("appointment_id", "appointments", "appointment_id"),
        ForeignKey("location_id", "locations", "location_id"),
    ),
    description="Patient satisfaction surveys (NPS 0-10) with a scrubbed comment.",
    free_text=("comment",),
)

# In load order: a table comes after every table its foreign keys reference.
TABLES: tuple[Table, ...] = (
    LOCATIONS,
    STAFF,
    PATIENTS,
    CAMPAIGNS,
    APPOINTMENTS,
    PATIENT_FLOW,
    CHARGES,
    INVENTORY_ITEMS,
    INVENTORY_MOVEMENTS,
    TIMECLOCK,
    CAMPAIGN_SPEND,
    CAMPAIGN_MESSAGES,
    RECALLS,
    SURVEYS,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
