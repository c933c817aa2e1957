"""Domain errors: each carries a code, an HTTP status and a translated message.

Services raise them; `zhili.core.middleware.DomainErrorMiddleware` turns them into a page
message, and the API layer into JSON with field details. "Not found" and "not yours" are the
same error on purpose, so that probing ids tells an outsider nothing.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, *, fields: dict | None = None):
        self.message = message or self.default_message
        # {field name: [messages]} for form and API errors.
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    default_message = _("Please correct the errors below.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found, or not within your area.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("Your role does not allow this.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("Someone else changed this in the meantime; reload and try again.")


def invalid(field: str, message) -> InvalidInput:
    """One-field InvalidInput, the common case."""
    return InvalidInput(fields={field: [message]})
