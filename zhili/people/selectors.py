"""Reads of the person registry and accounts, limited to the actor's scope."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core import permissions
from zhili.core.crypto import blind_index
from zhili.core.errors import NotFound
from zhili.core.facts import Fact
from zhili.core.permissions import Cap, Role
from zhili.core.personal import (
    mask_id_number,
    mask_phone,
    normalise_id_number,
    validate_phone,
)
from zhili.people.models import Person, RoleGrant


def people_for(actor, cap: str = Cap.PEOPLE_VIEW) -> QuerySet[Person]:
    """People whose address lies where the actor holds `cap` (seeing the registry, by
    default; exporting it, for exports), plus, for seeing, the actor's own record."""
    q = permissions.scope_q(actor, cap, "address_place__path")
    own = getattr(actor, "person_id", None)
    if own and cap == Cap.PEOPLE_VIEW:
        q |= Q(pk=own)
    return Person.objects.filter(q).select_related("address_place")


def access_person(actor, person_id) -> Person:
    try:
        return people_for(actor).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def search_people(
    actor, text: str = "", place=None, cap: str = Cap.PEOPLE_VIEW
) -> QuerySet[Person]:
    """By name (contains), or by a whole phone or ID-card number (exact, via its digest),
    among the people where the actor holds `cap`."""
    qs = people_for(actor, cap)
    if place is not None:
        qs = qs.filter(address_place__path__startswith=place.path)
    text = (text or "").strip()
    if not text:
        return qs
    exact = Q()
    try:
        exact |= Q(phone_digest=blind_index(validate_phone(text)))
    except ValidationError:
        pass
    if len(normalise_id_number(text)) == 18:
        exact |= Q(id_digest=blind_index(normalise_id_number(text)))
    return qs.filter(Q(name__icontains=text) | exact) if exact else qs.filter(name__icontains=text)


# Seven or more digits in a row, once spaces, dashes, dots and brackets between digits are
# gone: a landline, a mobile or an ID-card number, or a piece of one. Names have none.
_NUMBER_GAPS = re.compile(r"(?<=\d)[\s\-.()（）]+(?=\d)")
_LONG_NUMBER = re.compile(r"\d{7,}[Xx]?")


def contains_personal_number(text: str) -> bool:
    """Is the search text, or some of it, a phone or ID-card number (or a piece of one)?"""
    return bool(_LONG_NUMBER.search(_NUMBER_GAPS.sub("", text or "")))


def mask_numbers(text: str) -> str:
    """The text with every phone or ID-card number in it masked (for logs and labels)."""

    def mask(match: re.Match) -> str:
        number = match.group()
        if len(number) >= 11:  # as mask_phone and mask_id_number show them
            return number[:3] + "*" * (len(number) - 7) + number[-4:]
        return "*" * len(number)

    return _LONG_NUMBER.sub(mask, _NUMBER_GAPS.sub("", text or ""))


def may_see_personal_data(actor, person: Person) -> bool:
    if getattr(actor, "person_id", None) == person.pk:
        return True
    return permissions.can(actor, Cap.PEOPLE_PERSONAL, person.address_place.path)


def shown_phone(actor, person: Person) -> str:
    return person.phone if may_see_personal_data(actor, person) else mask_phone(person.phone)


def shown_id_number(actor, person: Person) -> str:
    if may_see_personal_data(actor, person):
        return person.id_number
    return mask_id_number(person.id_number)


def people_in_place_fact(actor, place):
    """The place page's "people registered" figure: everyone living in the place's subtree."""
    if not permissions.can(actor, Cap.PEOPLE_VIEW, place.path):
        return None
    count = people_for(actor).filter(address_place__path__startswith=place.path).count()
    return Fact(_("People registered"), count, reverse("people:list"))


def department_handlers_fact(actor, department):
    """The department page's list of its active handlers (seen by whoever sees the page)."""
    names = [
        str(g.user)
        for g in RoleGrant.objects.filter(
            department=department,
            role=Role.HANDLER,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    ]
    return Fact(_("Handlers"), "、".join(names) or "—")
