from django import forms

from zhili.core.errors import DomainError


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's field errors on the form (non-field ones at the top)."""
    if not error.fields:
        form.add_error(None, str(error.message))
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
