from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from zhili.people.auth import find_account, minutes_locked


class LoginForm(AuthenticationForm):
    """Username or phone number, and password; says plainly when the account is locked."""

    username = forms.CharField(
        label=_("Username or phone"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
        error_messages={"required": _("Enter your username or phone number.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = _("Enter your password.")

    error_messages = {
        "invalid_login": _("The username, phone number or password is wrong."),
        "inactive": _("This account has been disabled."),
        "locked": _(
            "Too many failed attempts: this account is locked. Try again in %(minutes)d minutes."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            minutes = minutes_locked(find_account(self.cleaned_data.get("username", "")))
            if minutes:
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"minutes": minutes}
                ) from None
            raise
