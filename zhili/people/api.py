import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from zhili.core import permissions
from zhili.core.bounds import BoundedLimitOffset, Id
from zhili.core.errors import InvalidInput, NotFound, invalid
from zhili.core.permissions import Cap
from zhili.people import services
from zhili.people.selectors import (
    access_person,
    contains_personal_number,
    search_people,
    shown_id_number,
    shown_phone,
)
from zhili.places.selectors import access_place

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    phone: str
    id_number: str
    political_status: str
    party_member_status: str
    education: str
    origin: str
    address_place_id: int
    address_detail: str

    # Phone and ID are masked unless this actor may see them whole (selectors decide).
    @staticmethod
    def resolve_phone(obj, context):
        return shown_phone(context["request"].user, obj)

    @staticmethod
    def resolve_id_number(obj, context):
        return shown_id_number(context["request"].user, obj)


class PersonIn(Schema):
    name: str
    id_number: str = ""
    phone: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    political_status: str = "masses"
    party_member_status: str = ""
    education: str = ""
    origin: str = ""
    address_place_id: Id
    address_detail: str = ""


class SearchIn(Schema):
    q: str = ""
    place: Id | None = None


def _found(actor, q: str, place: int | None):
    within = access_place(actor, place) if place is not None else None
    return search_people(actor, q, within).order_by("id")


@router.get("/", response=list[PersonOut])
@paginate(BoundedLimitOffset)
def list_people(request, q: str = "", place: Id | None = None):
    """By name in the query string; phone and ID-card numbers go to POST /search instead."""
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_VIEW)
    if contains_personal_number(q):
        # Addresses end up in access logs, proxies and histories: numbers never go there.
        raise invalid(
            "q",
            _(
                "Phone and ID-card numbers are not accepted in the address; "
                "send the search in the body of POST /api/v1/people/search."
            ),
        )
    return _found(actor, q, place)


@router.post("/search", response=list[PersonOut])
@paginate(BoundedLimitOffset)
def search(request, payload: SearchIn):
    """The same list as GET /, searched by a name or a whole phone or ID-card number sent
    in the JSON body ({"q": ..., "place": ...}); limit and offset stay in the query."""
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_VIEW)
    return _found(actor, payload.q, payload.place)


@router.get("/{person_id}", response=PersonOut)
def get_person(request, person_id: Id):
    return access_person(request.user, person_id)


@router.post("/", response={201: PersonOut})
def register(request, payload: PersonIn):
    actor = request.user
    permissions.require(actor, Cap.PEOPLE_MANAGE)  # no role to register anyone: 403
    values = payload.dict()
    try:
        values["address_place"] = access_place(
            actor, values.pop("address_place_id"), Cap.PEOPLE_MANAGE
        )
    except NotFound:
        # Outside the actor's area reads like nonexistent: the service says "choose a place".
        values["address_place"] = None
    try:
        person = services.register_person(actor=actor, **values)
    except InvalidInput as exc:
        if "address_place" in exc.fields:  # named as the API's clients send it
            exc.fields["address_place_id"] = exc.fields.pop("address_place")
        raise
    return Status(201, person)
