"""Photos of a case: checked and cleaned by zhili.core.images before anything is written,
then stored through the default storage, each photo once per case."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from zhili.cases.act_rules import refuse_unless_open
from zhili.cases.models import (
    Case,
    CasePhoto,
    CaseTask,
    PhotoKind,
    TaskStatus,
)
from zhili.cases.services.common import lock_case, lock_task, touch_case
from zhili.core import permissions
from zhili.core.errors import Forbidden, InvalidInput, NotFound
from zhili.core.images import ProcessedPhoto, process_photo
from zhili.core.permissions import Cap

DEFAULT_MAX_PHOTOS = 9


def max_photos() -> int:
    return getattr(settings, "CASE_MAX_PHOTOS", DEFAULT_MAX_PHOTOS)


def prepare_photos(uploads, *, field: str = "photos") -> list[ProcessedPhoto]:
    """Check and clean every upload, writing nothing. Raises InvalidInput on `field` for too
    many photos or for the first bad one; the same photo sent twice counts once."""
    uploads = list(uploads or [])
    limit = max_photos()
    if len(uploads) > limit:
        raise InvalidInput(fields={field: [_("At most %(n)d photos.") % {"n": limit}]})
    processed, seen = [], set()
    for upload in uploads:
        photo = process_photo(upload, field=field)
        if photo.sha256 not in seen:
            seen.add(photo.sha256)
            processed.append(photo)
    return processed


def store_photos(
    *, actor, case: Case, photos: list[ProcessedPhoto], kind: str, task: CaseTask | None = None
) -> list[CasePhoto]:
    """Write prepared photos for a case; one already on the case is not stored again."""
    known = set(case.photos.values_list("sha256", flat=True))
    stored = []
    uploader = actor if getattr(actor, "pk", None) else None
    for photo in photos:
        if photo.sha256 in known:
            continue
        known.add(photo.sha256)
        row = CasePhoto(
            case=case,
            task=task,
            kind=kind,
            sha256=photo.sha256,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            uploaded_by=uploader,
        )
        row.image.save(photo.image.name, photo.image, save=False)
        row.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
        row.save()
        stored.append(row)
    return stored


@transaction.atomic
def add_photos(
    *, actor, case: Case, photos, task: CaseTask | None = None, version: int | None = None
) -> list[CasePhoto]:
    """Add photos to an open case after the fact. Who may: the reporter (report photos);
    a handler of `task`'s department while it is taken or handled (evidence); the centre
    or a verifier over the case's place (evidence). Raises InvalidInput on "photos"."""
    case = lock_case(case, version)
    if task is not None:
        task = lock_task(task)
        if task.case_id != case.pk:
            raise NotFound()
        if task.department_id not in permissions.department_ids(actor) or not permissions.can(
            actor, Cap.CASES_HANDLE, case.place_path
        ):
            raise NotFound()
        if task.status not in (TaskStatus.TAKEN, TaskStatus.HANDLED):
            raise InvalidInput(
                fields={"photos": [_("Evidence is added while the order is in hand.")]}
            )
        kind = PhotoKind.EVIDENCE
    elif permissions.can(actor, Cap.CASES_DISPATCH, case.place_path) or permissions.can(
        actor, Cap.CASES_VERIFY, case.place_path
    ):
        kind = PhotoKind.EVIDENCE
    elif case.reporter_id is not None and case.reporter_id == getattr(actor, "pk", None):
        kind = PhotoKind.REPORT
    else:
        raise Forbidden()
    refuse_unless_open(case)
    prepared = prepare_photos(photos)
    if not prepared:
        raise InvalidInput(fields={"photos": [_("Choose at least one photo.")]})
    stored = store_photos(actor=actor, case=case, photos=prepared, kind=kind, task=task)
    if stored:
        touch_case(
            actor=actor,
            case=case,
            action="photo",
            task=task,
            changes={"photos": [None, len(stored)]},
        )
    return stored
