"""Writes to the person registry and to accounts: one function per act, audited."""

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.audit.services import changes_between, record_audit, snapshot
from zhili.core import permissions
from zhili.core.crypto import blind_index
from zhili.core.errors import Conflict, InvalidInput
from zhili.core.permissions import ROLE_PLACE_KINDS, ROLES_NEEDING_DEPARTMENT, Cap, Role
from zhili.core.personal import (
    id_birth_date,
    id_gender,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    validate_id_number,
    validate_phone,
)
from zhili.orgs.models import Department
from zhili.people.models import (
    PARTY_STATUSES,
    Education,
    Gender,
    PartyMemberStatus,
    Person,
    PoliticalStatus,
    RoleGrant,
    User,
)
from zhili.places.models import Place, PlaceKind

PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "phone",
    "id_number",
    "political_status",
    "party_member_status",
    "education",
    "origin",
    "address_place",
    "address_detail",
)
_PERSON_MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def clean_person_values(values: dict, *, exclude_pk=None) -> dict:
    """Validate and normalise a person's fields; raise InvalidInput with every field error.

    Gender and birth date are read from the ID-card number when it is given, and must
    agree with it when they are given too.
    """
    errors: dict[str, list] = {}
    out = dict(values)
    out["name"] = str(values.get("name") or "").strip()
    if not out["name"]:
        errors["name"] = [_("A person needs a name.")]
    for field in ("phone", "id_number"):
        out[field] = str(values.get(field) or "").strip()
    if out["phone"]:
        try:
            out["phone"] = validate_phone(out["phone"])
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    if out["id_number"]:
        try:
            out["id_number"] = validate_id_number(out["id_number"])
        except ValidationError as exc:
            errors["id_number"] = list(exc.messages)
        else:
            born, gender = id_birth_date(out["id_number"]), id_gender(out["id_number"])
            if out.get("birth_date") and out["birth_date"] != born:
                errors["birth_date"] = [
                    _("The birth date differs from the one in the ID-card number (%(date)s).")
                    % {"date": born.isoformat()}
                ]
            if out.get("gender") and out["gender"] != gender:
                errors["gender"] = [_("The gender differs from the one the ID-card number gives.")]
            out["birth_date"], out["gender"] = born, gender
            clash = Person.objects.filter(id_digest=blind_index(out["id_number"]))
            if exclude_pk is not None:
                clash = clash.exclude(pk=exclude_pk)
            if clash.exists():
                errors["id_number"] = [
                    _("A person with this ID-card number is already registered.")
                ]
    out["gender"] = out.get("gender") or ""
    if out["gender"] and out["gender"] not in Gender.values:
        errors["gender"] = [_("Choose a gender from the list.")]
    birth = out.get("birth_date")
    if birth is not None and not isinstance(birth, dt.date):
        errors["birth_date"] = [_("Enter a date such as 1970-05-01.")]
    elif birth is not None and birth > timezone.localdate():
        errors["birth_date"] = [_("The birth date cannot lie in the future.")]
    out["political_status"] = out.get("political_status") or PoliticalStatus.MASSES
    if out["political_status"] not in PoliticalStatus.values:
        errors["political_status"] = [_("Choose a political status from the list.")]
    out["party_member_status"] = out.get("party_member_status") or ""
    if out["political_status"] in PARTY_STATUSES:
        if out["party_member_status"] not in PartyMemberStatus.values:
            errors["party_member_status"] = [
                _("For a party member, say whether retired or in service.")
            ]
    elif out["party_member_status"]:
        errors["party_member_status"] = [_("Only party members have a party member status.")]
    out["education"] = out.get("education") or ""
    if out["education"] and out["education"] not in Education.values:
        errors["education"] = [_("Choose an education level from the list.")]
    if not isinstance(out.get("address_place"), Place):
        errors["address_place"] = [_("Choose the place where the person lives.")]
    out["origin"] = str(out.get("origin") or "").strip()
    out["address_detail"] = str(out.get("address_detail") or "").strip()
    for field in ("name", "origin", "address_detail"):
        limit = Person._meta.get_field(field).max_length
        if len(out[field]) > limit and field not in errors:
            errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    if errors:
        raise InvalidInput(fields=errors)
    return {k: out[k] for k in PERSON_FIELDS if k in out}


@transaction.atomic
def register_person(*, actor, **values) -> Person:
    """Register a person. Who may: registry managers (secretaries, grid officers, admins)
    whose scope holds the person's address place. Raises InvalidInput, Forbidden."""
    place = values.get("address_place")
    # Without a place, a registry manager hears which field is missing (not "forbidden").
    permissions.require(actor, Cap.PEOPLE_MANAGE, place.path if isinstance(place, Place) else None)
    person = Person(**clean_person_values(values))
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # the same ID number registered at the same moment
        raise InvalidInput(
            fields={"id_number": [_("A person with this ID-card number is already registered.")]}
        ) from None
    record_audit(
        actor=actor,
        action="person.register",
        obj=person,
        place_path=place.path,
        changes=changes_between({}, snapshot(person, PERSON_FIELDS), masks=_PERSON_MASKS),
    )
    return person


@transaction.atomic
def update_person(*, actor, person: Person, expected_updated_at=None, **values) -> Person:
    """Change a person's record. Who may: registry managers over both the old and the new
    address. `expected_updated_at`, when given, guards against overwriting someone else's
    change made since the form was opened (Conflict)."""
    person = Person.objects.select_for_update().select_related("address_place").get(pk=person.pk)
    permissions.require(actor, Cap.PEOPLE_MANAGE, person.address_place.path)
    if expected_updated_at is not None and person.updated_at != expected_updated_at:
        raise Conflict()
    before = snapshot(person, PERSON_FIELDS)
    merged = {**before, **values}
    new_id = normalise_id_number(str(values.get("id_number") or ""))
    if new_id and new_id != before["id_number"]:
        # A new ID-card number brings its own birth date and gender; the ones read from the
        # old number must not be taken for values given alongside it.
        for derived, blank in (("birth_date", None), ("gender", "")):
            if derived not in values:
                merged[derived] = blank
    cleaned = clean_person_values(merged, exclude_pk=person.pk)
    permissions.require(actor, Cap.PEOPLE_MANAGE, cleaned["address_place"].path)
    for field, value in cleaned.items():
        setattr(person, field, value)
    changes = changes_between(before, snapshot(person, PERSON_FIELDS), masks=_PERSON_MASKS)
    if changes:
        person.save()
        record_audit(
            actor=actor,
            action="person.update",
            obj=person,
            place_path=person.address_place.path,
            changes=changes,
        )
    return person


def clean_account_username(username: str, *, exclude_pk=None) -> str:
    """A free username that cannot be mistaken for a phone number at log-in."""
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("An account needs a username."), code="required")
    try:
        validate_phone(username)
    except ValidationError:
        pass
    else:
        raise ValidationError(
            _(
                "A username cannot be a phone number: people sign in with "
                "their phone number as well."
            ),
            code="username_is_phone",
        )
    others = User.objects.filter(username__iexact=username).exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(_("This username is taken."), code="username_taken")
    return username


def clean_account_phone(phone: str, *, exclude_pk=None) -> str:
    """A valid phone, normalised, used by no other account ("" stays "")."""
    if not (phone or "").strip():
        return ""
    phone = validate_phone(phone)
    others = User.objects.filter(phone_digest=blind_index(phone)).exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            _("Another account already uses this phone number."), code="phone_taken"
        )
    return phone


@transaction.atomic
def create_account(
    *,
    actor,
    username: str,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    person: Person | None = None,
    email: str = "",
) -> User:
    """Open a login account. Who may: account managers. `password` None opens one that
    cannot sign in with a password: a program's service account (an Open311 key's).
    Raises InvalidInput."""
    permissions.require(actor, Cap.ACCOUNTS_MANAGE)
    errors: dict[str, list] = {}
    try:
        username = clean_account_username(username)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    try:
        phone = clean_account_phone(phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    if person is not None and User.objects.filter(person=person).exists():
        errors["person"] = [_("This person already has an account.")]
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(fields=errors)
    user = User(
        username=username, full_name=full_name.strip(), phone=phone, person=person, email=email
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    record_audit(
        actor=actor,
        action="account.create",
        obj=user,
        changes={
            "username": [None, username],
            "phone": [None, mask_phone(phone)] if phone else [None, ""],
        },
    )
    return user


def grant_errors(role: str, place: Place, department: Department | None) -> dict:
    """Why a role cannot be granted over this place (with this department), as field errors."""
    errors: dict[str, list] = {}
    if role not in Role.values:
        errors["role"] = [_("Unknown role.")]
    elif place.kind not in ROLE_PLACE_KINDS[role]:
        errors["place"] = [
            _("A %(role)s is appointed over a place of this kind: %(kinds)s.")
            % {
                "role": Role(role).label,
                "kinds": "、".join(str(PlaceKind(k).label) for k in ROLE_PLACE_KINDS[role]),
            }
        ]
    if role in ROLES_NEEDING_DEPARTMENT and department is None:
        errors["department"] = [_("A department handler must belong to a department.")]
    if role not in ROLES_NEEDING_DEPARTMENT and department is not None:
        errors["department"] = [_("Only department handlers belong to a department.")]
    return errors


@transaction.atomic
def grant_role(
    *, actor, user: User, role: str, place: Place, department: Department | None = None
) -> RoleGrant:
    """Give `user` a role over `place`'s subtree. Who may: account managers over that place.
    A handler's grant names a department; the place kind must suit the role."""
    permissions.require(actor, Cap.ACCOUNTS_MANAGE, place.path)
    errors = grant_errors(role, place, department)
    if errors:
        raise InvalidInput(fields=errors)
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, place=place, department=department
    )
    if created:
        changes = {"role": [None, str(grant)]}
        if role == Role.ADMIN and not user.is_staff:
            # Administrators configure the city in Django admin, which needs the staff flag.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            changes["is_staff"] = [False, True]
        record_audit(
            actor=actor, action="role.grant", obj=user, place_path=place.path, changes=changes
        )
        permissions.forget_grants(user)
    return grant


@transaction.atomic
def revoke_role(*, actor, grant: RoleGrant) -> None:
    """Take a role grant away. Who may: account managers over the grant's place."""
    grant = RoleGrant.objects.select_related("place", "user", "department").get(pk=grant.pk)
    permissions.require(actor, Cap.ACCOUNTS_MANAGE, grant.place.path)
    label, user = str(grant), grant.user
    grant.delete()
    changes = {"role": [label, None]}
    if (
        grant.role == Role.ADMIN
        and user.is_staff
        and not user.is_superuser
        and not user.role_grants.filter(role=Role.ADMIN).exists()
    ):
        user.is_staff = False
        user.save(update_fields=["is_staff"])
        changes["is_staff"] = [True, False]
    record_audit(
        actor=actor, action="role.revoke", obj=user, place_path=grant.place.path, changes=changes
    )
    permissions.forget_grants(user)
