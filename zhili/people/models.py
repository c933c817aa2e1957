from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.core.crypto import digest_or_blank
from zhili.core.fields import EncryptedTextField
from zhili.core.permissions import Role
from zhili.orgs.models import Department
from zhili.places.models import Place


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("Ordinary citizen")
    LEAGUE = "league", _("Communist Youth League member")
    PROBATIONARY = "probationary", _("Probationary party member")
    PARTY = "party", _("Party member")


PARTY_STATUSES = {PoliticalStatus.PROBATIONARY, PoliticalStatus.PARTY}


class PartyMemberStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    RETIRED = "retired", _("Retired")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or less")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior middle or vocational school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Person(models.Model):
    """A person in the registry (实有人口): a resident, member, courier or staff member.

    Phone and ID numbers are stored encrypted; `*_digest` columns allow exact search.
    """

    name = models.CharField(_("full name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_digest = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    id_number = EncryptedTextField(_("ID-card number"), blank=True)
    id_digest = models.CharField(max_length=40, blank=True, editable=False)
    political_status = models.CharField(
        _("political status"),
        max_length=16,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    party_member_status = models.CharField(
        _("party member status"), max_length=16, choices=PartyMemberStatus.choices, blank=True
    )
    education = models.CharField(
        _("education"), max_length=16, choices=Education.choices, blank=True
    )
    origin = models.CharField(_("origin"), max_length=100, blank=True)
    address_place = models.ForeignKey(
        Place, verbose_name=_("address place"), on_delete=models.PROTECT, related_name="people"
    )
    address_detail = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_digest"], condition=~Q(id_digest=""), name="person_unique_id_number"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_digests()
        super().save(*args, **kwargs)

    def refresh_digests(self) -> None:
        """Recompute the search digests; save() does this, bulk loaders call it themselves."""
        self.phone_digest = digest_or_blank(self.phone)
        self.id_digest = digest_or_blank(self.id_number)

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_STATUSES


class User(AbstractUser):
    """A login. Signs in with its username or its phone number."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_digest = models.CharField(max_length=40, blank=True, editable=False)
    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    failed_logins = models.PositiveSmallIntegerField(_("failed log-ins"), default=0, editable=False)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_digest"], condition=~Q(phone_digest=""), name="user_unique_phone"
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.phone_digest = digest_or_blank(self.phone)
        super().save(*args, **kwargs)


class RoleGrant(models.Model):
    """A role over a place subtree, and for a department handler, the department."""

    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        Place, verbose_name=_("scope"), on_delete=models.PROTECT, related_name="role_grants"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_grants",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            # A NULL department never equals another NULL, so grants without a department
            # need a constraint of their own to stay unique.
            models.UniqueConstraint(
                fields=["user", "role", "place", "department"], name="role_grant_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "place"],
                condition=Q(department__isnull=True),
                name="role_grant_unique_without_department",
            ),
        ]

    def __str__(self):
        where = self.department.short_name if self.department else self.place.name
        return f"{self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A key a program uses for the API (`Authorization: Bearer <token>`), acting as its owner
    with the owner's roles and scope. Only the SHA-256 of the token is kept: the token itself
    is shown once, when it is issued (`zhili api-token`)."""

    owner = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.owner} · {self.name}"
