from django.apps import AppConfig
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _


def _forget_keys(*, setting, **kwargs):
    if setting == "PERSONAL_DATA_KEYS":
        from zhili.core.crypto import reset_key_cache

        reset_key_cache()


class CoreConfig(AppConfig):
    name = "zhili.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Tests that override the keys get a fresh Fernet, not the cached one.
        setting_changed.connect(_forget_keys, dispatch_uid="zhili-forget-keys")
