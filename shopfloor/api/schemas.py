"""Wire models: the v1 envelopes, the objects inside them, and request bodies.

Field names and types follow the v1 contract exactly; additions (names, codes,
worked seconds) are only ever added, never renamed. Timestamps go out as ISO 8601
with an explicit ``+00:00`` offset.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args, get_origin, get_type_hints

import pydantic_core
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StrictBool,
    StrictInt,
    Tag,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from ..domain import (
    BikeStatus,
    Page,
    Role,
    TicketAction,
    TicketStatus,
    WorkSessionAction,
    WorkSessionStatus,
    XpEntryType,
)
from ..domain.checklists import (
    MAX_CHECKLIST_ITEMS,
    MAX_NOTE_LENGTH,
    MAX_REF_LENGTH,
    MAX_REF_NUMBER,
    MAX_TASK_LENGTH,
)
from ..domain.rules import Rules
from ..domain.tickets import MAX_SRT_MINUTES
from ..domain.views import (
    BikeView,
    EfficiencyDay,
    FleetAnalytics,
    PartWaitingView,
    QcCounts,
    QcDay,
    QcWindow,
    RoleView,
    StreamedPage,
    TeamAnalytics,
    TechnicianStats,
    TicketEfficiency,
    TicketView,
    TransitionView,
    UserView,
    WorkSessionEventView,
    WorkSessionView,
    XpEntryView,
)

T = TypeVar("T")

# Ids are SQL INTEGER columns; anything outside this range can only be a miss.
MAX_ID = 2_147_483_647


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _storable(text: str) -> str:
    """Text a database can store: no NUL character and no lone UTF-16 surrogate."""
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it has a lone surrogate)") from None
    return text


Text = Annotated[str, AfterValidator(_storable)]


def checklist_json_schema(minimum: int = Rules().checklist_min_items) -> dict[str, Any]:
    """What the domain accepts as a checklist, for the OpenAPI document."""
    flag = {"type": ["boolean", "null"]}
    return {
        "type": "array",
        "description": (
            f"At least {minimum} (the shop's rule) and at most {MAX_CHECKLIST_ITEMS} tasks: "
            "non-blank strings, or objects with a non-blank task and only the fields below."
        ),
        "minItems": minimum,
        "maxItems": MAX_CHECKLIST_ITEMS,
        "items": {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": MAX_TASK_LENGTH},
                {
                    "type": "object",
                    "properties": {
                        "task": {"type": "string", "minLength": 1, "maxLength": MAX_TASK_LENGTH},
                        "done": flag,
                        "critical": flag,
                        "note": {"type": ["string", "null"], "maxLength": MAX_NOTE_LENGTH},
                        "ref": {
                            "anyOf": [
                                {"type": "string", "maxLength": MAX_REF_LENGTH},
                                {
                                    "type": "integer",
                                    "minimum": -MAX_REF_NUMBER,
                                    "maximum": MAX_REF_NUMBER,
                                },
                                {"type": "null"},
                            ]
                        },
                    },
                    "required": ["task"],
                    "additionalProperties": False,
                },
            ]
        },
    }


# The checklist's shape (text included) is the domain's rule, checked flat, item by item,
# with its own messages; the API only documents it.
Checklist = Annotated[list[Any], WithJsonSchema(checklist_json_schema())]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]


M = TypeVar("M", bound="WireModel")


class WireModel(BaseModel):
    """A response object read from a domain view (attributes and properties alike)."""

    # Fields with defaults are still always sent, so the schema lists them as required.
    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )

    @classmethod
    def of(cls: type[M], view: Any) -> M:
        return cls.model_validate(view, from_attributes=True)

    @classmethod
    def many(cls: type[M], views: Iterable[Any]) -> list[M]:
        return [cls.of(v) for v in views]


def view_fields(view: type[Any], *, omit: Collection[str] = ()) -> dict[str, Any]:
    """The fields of the domain's ``view`` dataclass, typed for the wire, in its order.

    A response model starts its body with ``__annotations__ = view_fields(SomeView)``;
    each annotation after that line states where the wire differs (an enum for a
    status, a description, a computed or an added field): it replaces the derived
    field in place or adds one at the end. Timestamps go out as :data:`Timestamp`,
    tuples as lists; a nested view must be given its own model there.
    (Plain class-body semantics: the annotated lines write into the dict assigned to
    ``__annotations__``, which this module's ``from __future__ import annotations`` keeps
    a dict, on Python 3.14 too.)
    """
    hints = get_type_hints(view)
    return {
        f.name: _wire_type(hints[f.name]) for f in dataclasses.fields(view) if f.name not in omit
    }


def _wire_type(hint: Any) -> Any:
    if hint is datetime:
        return Timestamp
    if hint == datetime | None:
        return Timestamp | None
    if get_origin(hint) is tuple:
        item, *rest = get_args(hint)
        if rest == [Ellipsis]:
            return list[item]  # type: ignore[valid-type]
    return hint


def _attributes(view: Any) -> dict[str, Any]:
    """A dataclass view's fields by name, shallow (nested views stay views)."""
    return {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}


# --- envelopes ----------------------------------------------------------------------------------


class Envelope(WireModel, Generic[T]):
    """Success with one object or a plain list."""

    success: Literal[True] = True
    message: str = "OK"
    data: T


class PageEnvelope(WireModel, Generic[T]):
    """One page of a list, with the counts a client pages by."""

    success: Literal[True] = True
    message: str = "OK"
    results: list[T]
    total_count: int
    page: int
    page_count: int
    per_page: int


class ErrorEnvelope(BaseModel):
    """Every failure: a sentence for people, a short code for programs."""

    success: Literal[False]
    message: str = Field(description="One human sentence naming the field and what to do.")
    error: str = Field(description="A short machine-readable code.")
    fields: dict[str, list[str]] | None = Field(
        default=None, description="Messages per offending field, when one can be named."
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


def ok(data: Any) -> dict[str, Any]:
    """The success envelope around ``data``."""
    return {"success": True, "message": "OK", "data": data}


def paged(page: Page[Any], model: type[WireModel]) -> dict[str, Any]:
    """The paginated envelope for a domain :class:`Page`, items shaped by ``model``."""
    return {
        "success": True,
        "message": "OK",
        "results": model.many(page.items),
        "total_count": page.total_count,
        "page": page.page,
        "page_count": page.page_count,
        "per_page": page.per_page,
    }


class ViewJson:
    """A response model's JSON bytes straight from domain views, for the hot lists.

    For a ``model`` declared as ``view_fields(view)`` whose other annotations only
    re-type a field of the same name in a way that sends the same value (a status enum
    for its string, a description): the same bytes as validating the model and dumping
    it (what FastAPI does with a ``response_model``), without building a model per item.
    Keys in the model's order, timestamps as :data:`Timestamp` sends them; everything
    else is already JSON (ints, strings, booleans, None, lists and dicts of them).
    ``tests/api/test_ticket_replies.py`` compares both paths byte for byte.
    """

    REMEMBERED = 8192  # timestamp texts kept, about 1 MB

    def __init__(self, model: type[WireModel], view: type[Any]) -> None:
        hints = get_type_hints(view)
        self.fields = tuple(model.model_fields)
        foreign = [name for name in self.fields if name not in hints]
        if foreign:
            raise TypeError(f"{model.__name__} has fields {view.__name__} lacks: {foreign}")
        self.timestamps = tuple(
            name for name in self.fields if hints[name] in (datetime, datetime | None)
        )
        self._values = operator.attrgetter(*self.fields)
        self._texts: dict[datetime, str] = {}

    def item(self, view: Any) -> dict[str, Any]:
        """One view as the model's JSON object (before encoding)."""
        item = dict(zip(self.fields, self._values(view), strict=True))
        texts = self._texts
        for name in self.timestamps:
            moment = item[name]
            if moment is not None:
                text = texts.get(moment)
                item[name] = text if text is not None else self._remember(moment)
        return item

    def _remember(self, moment: datetime) -> str:
        # Formatting is the costliest step per item, and a list shows the same moments
        # request after request: remember the texts (equal instants give equal texts).
        if len(self._texts) >= self.REMEMBERED:
            self._texts.clear()
        text = self._texts[moment] = _iso_utc(moment)
        return text

    def one(self, view: Any) -> bytes:
        """The success envelope around one view: ``Envelope[model]``'s bytes."""
        return pydantic_core.to_json(ok(self.item(view)))

    def page(self, page: Page[Any]) -> bytes:
        """A page of views: ``PageEnvelope[model]``'s bytes."""
        return pydantic_core.to_json(
            {
                "success": True,
                "message": "OK",
                "results": [self.item(view) for view in page.items],
                "total_count": page.total_count,
                "page": page.page,
                "page_count": page.page_count,
                "per_page": page.per_page,
            }
        )

    def page_chunks(self, page: StreamedPage[Any], chunk: int = 64 * 1024) -> Iterator[bytes]:
        """:meth:`page`'s bytes, in pieces of about ``chunk`` bytes encoded as the page's
        views are read: a big page is never held whole."""
        pending = bytearray(b'{"success":true,"message":"OK","results":[')
        separator = b""
        for view in page.items:
            pending += separator
            pending += pydantic_core.to_json(self.item(view))
            separator = b","
            if len(pending) >= chunk:
                yield bytes(pending)
                pending.clear()
        tail = pydantic_core.to_json(
            {
                "total_count": page.total_count,
                "page": page.page,
                "page_count": page.page_count,
                "per_page": page.per_page,
            }
        )
        pending += b"],"
        pending += tail[1:]
        yield bytes(pending)


# --- objects ------------------------------------------------------------------------------------


class TokenPair(BaseModel):
    access: str
    refresh: str


class AccessToken(BaseModel):
    access: str
    refresh: str | None = Field(default=None, description="A rotated refresh token.")


class TokenValid(BaseModel):
    detail: Literal["Token is valid"] = "Token is valid"


class RoleOut(WireModel):
    __annotations__ = view_fields(RoleView)
    slug: Role


class UserOut(WireModel):
    """users/me/: every field of the original's user; those shopfloor keeps no record of
    (patronymic, email, phone, level, telegram) are always null."""

    __annotations__ = view_fields(UserView)
    roles: list[RoleOut]
    display_name: str
    patronymic: None = None
    email: None = None
    phone: None = None
    level: None = None
    telegram: None = None


FlagColor = Literal["green", "yellow", "red"]


class PartSpecOut(BaseModel):
    """One part to fix on a ticket (the later API's part spec)."""

    id: int
    part_id: int
    part_name: str
    color: FlagColor
    comment: str
    minutes: int
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    updated_at: str = Field(json_schema_extra={"format": "date-time"})


class TaskStateOut(BaseModel):
    """One checklist task's tick state (``checklist_snapshot`` stays as v1 has it)."""

    index: int = Field(description="The task's place in the checklist, from 0.")
    task: str
    critical: bool
    done: bool
    done_by: int | None
    done_by_name: str | None
    done_at: str | None = Field(json_schema_extra={"format": "date-time"})
    failed: bool = Field(description="Named by the last QC fail and not ticked since.")


class TicketOut(WireModel):
    __annotations__ = view_fields(TicketView, omit={"latest_qc_note"})
    status: TicketStatus
    parked_reason: str | None = Field(
        description="Set while a parked ticket waits (e.g. 'Waiting for parts')."
    )
    ticket_parts: list[PartSpecOut] = Field(
        description="The parts to fix, each with its own minutes; always a list."
    )
    inventory_item: int = Field(description="The bike's id (the later API's name).")
    total_duration: int = Field(description="The part specs' minutes (else the SRT).")
    flag_color: FlagColor
    xp_amount: int = Field(description="XP the ticket pays its technician.")
    is_manual: bool = Field(description="Flag colour / XP set by an admin.")
    finished_at: Timestamp | None = Field(description="When QC passed.")
    checklist_state: list[TaskStateOut]
    parts_missing: int = Field(description="Parts asked for while parked, not arrived yet.")
    parts_here: bool = Field(description="Every part asked for has arrived.")


TICKET_JSON = ViewJson(TicketOut, TicketView)


class TransitionOut(WireModel):
    __annotations__ = view_fields(TransitionView, omit={"technician_name"})
    from_status: TicketStatus | None
    to_status: TicketStatus
    action: TicketAction


class WorkSessionOut(WireModel):
    __annotations__ = view_fields(WorkSessionView)
    status: WorkSessionStatus
    worked_seconds: int = Field(description="Worked seconds including the running interval.")


class WorkSessionEventOut(WireModel):
    __annotations__ = view_fields(WorkSessionEventView)
    from_status: WorkSessionStatus | None
    to_status: WorkSessionStatus
    action: WorkSessionAction


class BikeOut(WireModel):
    __annotations__ = view_fields(BikeView)
    status: BikeStatus


class BikeSuggestions(BaseModel):
    query: str
    suggestions: list[str]


class XpEntryOut(WireModel):
    __annotations__ = view_fields(XpEntryView)
    entry_type: XpEntryType


class QcDayOut(WireModel):
    __annotations__ = view_fields(QcDay)
    first_pass_rate: float | None


class FleetCountsOut(BaseModel):
    """Bikes: ``total`` includes archived ones, ``active`` does not; statuses are of active."""

    total: int
    active: int
    ready: int
    in_service: int
    rented: int
    blocked: int
    write_off: int


class TicketCountsOut(BaseModel):
    active_total: int
    new: int
    assigned: int
    in_progress: int
    waiting_qc: int
    rework: int
    done: int


class FlagBucketsOut(BaseModel):
    """Active tickets by flag_minutes: green <= 30, yellow 31-60, red 61-120, black
    121-180, black_plus > 180."""

    green: int
    yellow: int
    red: int
    black: int
    black_plus: int


class StatusBucketsOut(BaseModel):
    new: int
    assigned: int
    in_progress: int
    waiting_qc: int
    rework: int


class BacklogKpisOut(WireModel):  # read from BacklogFigures: the same names
    avg_flag_minutes: float | None
    avg_age_minutes: float | None
    red_or_worse_count: int
    black_or_worse_count: int


class BacklogOut(BaseModel):
    total: int
    flag_buckets: FlagBucketsOut
    status_buckets: StatusBucketsOut
    kpis: BacklogKpisOut


class FleetKpisOut(BaseModel):
    availability_percent: float = Field(description="Ready bikes per active bike, in %.")
    stockout_now: bool = Field(description="True when no active bike is ready.")


class QcCountsOut(WireModel):
    __annotations__ = view_fields(QcCounts, omit={"day"})
    rework_done: int
    first_pass_rate_percent: float | None


class QcTrendDayOut(QcCountsOut):
    date: date  # QcCounts.day, as the original names it


class QcOut(WireModel):
    __annotations__ = view_fields(QcWindow)
    totals: QcCountsOut
    trend: list[QcTrendDayOut] = Field(description="One row a day, oldest first.")


class FleetOut(WireModel):
    """The original's keys (generated_at, fleet, tickets, backlog, kpis, qc) and
    shopfloor's own beside them."""

    # shopfloor's own: FleetAnalytics as it is, but for what feeds the original's keys.
    __annotations__ = view_fields(
        FleetAnalytics, omit={"bikes_all", "backlog", "backlog_figures", "qc_window"}
    )
    qc_trend: list[QcDayOut]
    tickets_parked: int = Field(description="Assigned tickets on hold (e.g. waiting for parts).")
    backlog_total: int  # FleetAnalytics.backlog: the original's `backlog` is an object
    # The original's keys, in its shapes.
    fleet: FleetCountsOut
    tickets: TicketCountsOut
    backlog: BacklogOut
    kpis: FleetKpisOut
    qc: QcOut

    @classmethod
    def of_view(cls, view: FleetAnalytics) -> FleetOut:
        backlog, qc = view.backlog_figures, view.qc_window
        return cls.model_validate(
            {
                **_attributes(view),
                "backlog_total": view.backlog,
                "fleet": FleetCountsOut(
                    total=view.bikes_all, active=view.bikes_total, **view.bikes_by_status
                ),
                "tickets": TicketCountsOut(active_total=view.backlog, **view.tickets_by_status),
                "backlog": BacklogOut(
                    total=backlog.total,
                    flag_buckets=FlagBucketsOut(**backlog.flag_buckets),
                    status_buckets=StatusBucketsOut(**backlog.status_buckets),
                    kpis=BacklogKpisOut.of(backlog),
                ),
                "kpis": FleetKpisOut(
                    availability_percent=view.availability_percent,
                    stockout_now=view.bikes_by_status.get("ready", 0) == 0,
                ),
                "qc": QcOut.model_validate(
                    {
                        **_attributes(qc),
                        "trend": [
                            QcTrendDayOut(**dict(QcCountsOut.of(d)), date=d.day) for d in qc.trend
                        ],
                    }
                ),
            }
        )


class TechnicianStatsOut(WireModel):
    __annotations__ = view_fields(TechnicianStats)
    efficiency_percent: float | None = Field(
        description="SRT as % of the time worked on the tickets done (100 = on standard)."
    )
    pause_seconds_by_reason: dict[str, int] = Field(description="Pause seconds in the window.")
    pause_budget_used_seconds: int = Field(description="Counted pause seconds today.")
    pause_budget_ran_out: bool = Field(description="The daily pause budget ran out today.")


class EfficiencyDayOut(WireModel):
    __annotations__ = view_fields(EfficiencyDay)
    efficiency_percent: float | None


class TicketEfficiencyOut(WireModel):
    __annotations__ = view_fields(TicketEfficiency)
    efficiency_percent: float | None


class ViewRows:
    """``Annotated[list[Model], ViewRows(View)]``: a list of the domain's ``View`` dataclasses
    kept as they are, sent and documented as ``list[Model]``.

    For lists of thousands (the tickets done in a window), where building and validating a
    model per row cost more than the query: validation passes the views through, and
    serialisation reads each one's fields (``Model``'s, with ``Model``'s types, in its
    order; a field the view has no dataclass field for is read as its property).
    """

    def __init__(self, view: type[Any]) -> None:
        self.view = view
        self.model: type[WireModel] | None = None  # read from the annotated list

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        model = get_args(source)[0] if get_origin(source) is list else None
        if not (isinstance(model, type) and issubclass(model, WireModel)):
            raise TypeError(f"ViewRows annotates list[SomeWireModel], not {source!r}")
        self.model = model
        stored = {f.name for f in dataclasses.fields(self.view)}
        fields: list[core_schema.DataclassField] = []
        computed: list[core_schema.ComputedField] = []
        for name, info in model.model_fields.items():
            wire = handler.generate_schema(info.rebuild_annotation())
            if name in stored:
                if computed:  # a dataclass serialiser sends its properties last
                    raise TypeError(f"{model.__name__}.{name} must come before its properties")
                fields.append(core_schema.dataclass_field(name, wire))
            else:
                computed.append(core_schema.computed_field(name, wire))
        row = core_schema.dataclass_schema(
            self.view,
            core_schema.dataclass_args_schema(self.view.__name__, fields, computed_fields=computed),
            [f["name"] for f in fields],
            revalidate_instances="never",
        )
        return core_schema.list_schema(row)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        assert self.model is not None  # the core schema is always built first
        return handler(core_schema.list_schema(self.model.__pydantic_core_schema__))


class PeriodOut(BaseModel):
    days: int
    start_date: date
    end_date: date


class TeamSummaryOut(BaseModel):
    technicians_total: int
    tickets_done_total: int
    raw_xp_total: int
    first_pass_rate_percent: float | None


class TeamMemberOut(WireModel):
    """One active technician, as the original's web admin reads it (its picker too)."""

    user_id: int
    name: str
    username: str
    level: None = Field(default=None, description="Not kept by shopfloor: always null.")
    tickets_done: int
    tickets_first_pass: int
    first_pass_rate_percent: float | None
    raw_xp: int
    in_progress_now: int


class TeamOut(WireModel):
    """The original's keys (generated_at, period, summary, members) and shopfloor's own
    (days, since, technicians) beside them."""

    __annotations__ = view_fields(TeamAnalytics)  # shopfloor's own
    technicians: list[TechnicianStatsOut]
    efficiency_by_day: list[EfficiencyDayOut] = Field(
        description="Per local day: tickets passed QC, their SRT and the time worked on them."
    )
    efficiency_by_ticket: Annotated[list[TicketEfficiencyOut], ViewRows(TicketEfficiency)]
    pauses_by_reason: dict[str, int] = Field(description="Team pause seconds by reason.")
    # The original's keys, in its shapes.
    period: PeriodOut
    summary: TeamSummaryOut
    members: list[TeamMemberOut]

    @classmethod
    def of_view(cls, view: TeamAnalytics) -> TeamOut:
        return cls.model_validate(
            {
                **_attributes(view),
                "period": PeriodOut(
                    days=view.days,
                    start_date=view.since.date(),
                    end_date=view.generated_at.date(),
                ),
                "summary": TeamSummaryOut(
                    technicians_total=len(view.technicians),
                    tickets_done_total=view.tickets_done_total,
                    raw_xp_total=view.xp_total,
                    first_pass_rate_percent=view.first_pass_rate_percent,
                ),
                "members": [
                    TeamMemberOut(
                        user_id=t.user_id,
                        name=t.display_name,
                        username=t.username,
                        tickets_done=t.done,
                        tickets_first_pass=t.first_pass,
                        first_pass_rate_percent=t.first_pass_percent,
                        raw_xp=t.xp,
                        in_progress_now=t.in_progress,
                    )
                    for t in view.technicians
                ],
            }
        )


# --- request bodies -----------------------------------------------------------------------------


class Body(BaseModel):
    """Unknown keys are ignored, as the original API did."""

    model_config = ConfigDict(extra="ignore")


class LoginIn(Body):
    username: Text = Field(max_length=150)
    # Long enough for any passphrase, short enough that hashing it is no attack.
    password: Text = Field(max_length=1024)


class RefreshIn(Body):
    refresh: Text = Field(max_length=4096)


class VerifyIn(Body):
    token: Text = Field(max_length=4096)


def _approval_required(schema: dict[str, Any]) -> None:
    # The server refuses a ticket without approve_srt: true, so the document says so.
    schema.setdefault("required", []).append("approve_srt")


class TicketCreateIn(Body):
    # Bounds here are documented only; the domain enforces them with its own sentences.
    model_config = ConfigDict(extra="ignore", json_schema_extra=_approval_required)

    bike_code: Text = Field(json_schema_extra={"minLength": 1})
    title: Text = Field(json_schema_extra={"minLength": 1})
    checklist_snapshot: Checklist
    srt_total_minutes: StrictInt = Field(
        json_schema_extra={"minimum": 1, "maximum": MAX_SRT_MINUTES}
    )
    approve_srt: StrictBool = Field(
        default=False,
        description="Must be true: the master approves the SRT.",
        json_schema_extra={"enum": [True]},
    )
    confirm_create_bike: StrictBool = Field(
        default=False, description="Add an unknown bike to the fleet during intake."
    )
    bike_creation_reason: Text | None = None


class PartSpecIn(Body):
    part_id: Id
    color: FlagColor
    comment: Text | None = Field(default=None, max_length=500)
    minutes: StrictInt = Field(json_schema_extra={"minimum": 1, "maximum": 10_000})


class TicketByPartsIn(Body):
    """The later API's intake: the bike by its serial number (its bike code), the parts to
    fix with their minutes. The SRT is their sum, approved by the caller; the checklist
    is the shop's template plus one task per part."""

    serial_number: Text = Field(json_schema_extra={"minLength": 1})
    title: Text | None = None
    part_specs: list[PartSpecIn] = Field(min_length=1, max_length=50)
    confirm_create_bike: StrictBool = False
    bike_creation_reason: Text | None = None


# Which intake a body is: the later one names a serial number or part specs, no bike code.
INTAKE_TAGS = ("v1", "by_parts")


def _intake_kind(body: Any) -> str:
    """A body with ``bike_code`` is always v1's (extra keys are ignored, as v1 did)."""
    if not isinstance(body, dict) or "bike_code" in body:
        return "v1"
    return "by_parts" if "part_specs" in body or "serial_number" in body else "v1"


IntakeIn = Annotated[
    Annotated[TicketCreateIn, Tag("v1")] | Annotated[TicketByPartsIn, Tag("by_parts")],
    Discriminator(_intake_kind),
]


class ToQcIn(Body):
    confirm_unticked: StrictBool | None = Field(
        default=None,
        description="false: refuse while a task is unticked (then ask, and send true).",
    )


class QcFailIn(Body):
    note: Text | None = None
    tasks: list[Annotated[StrictInt, Field(ge=0, le=199)]] | None = Field(
        default=None,
        description="The checklist tasks (indexes from 0) that failed; the rework shows "
        "exactly those unticked. Naming none ([]) needs a note.",
    )


class PartWaitingOut(WireModel):
    __annotations__ = view_fields(PartWaitingView)


class ManualMetricsIn(Body):
    flag_color: FlagColor | None = None
    xp_amount: Annotated[StrictInt, Field(ge=0, le=10_000)] | None = None


class AssignIn(Body):
    technician_id: Id


class QcNoteIn(Body):
    note: Text | None = None


class ReasonIn(Body):
    """Why the timer pauses or the ticket is parked: a code from the shop's pause reasons."""

    reason: Text | None = Field(
        default=None,
        description="waiting_for_parts, tool_or_bay_busy, break, customer_or_manager, other "
        "(or the shop's own codes); none given: unspecified (pause) / waiting_for_parts (park).",
    )
    note: Text | None = None


class ParkIn(ReasonIn):
    """Why the ticket is parked, and the part it waits for (it joins the parts waiting list)."""

    part_id: Id | None = Field(default=None, description="A part of the catalogue.")
    part: Text | None = Field(default=None, max_length=200, description="Or the part, named.")
    quantity: Annotated[StrictInt, Field(ge=1, le=999)] = 1


class BikeCreateIn(Body):
    bike_code: Text = Field(json_schema_extra={"minLength": 1})
