from django.db import models

from zhili.core import crypto


class EncryptedTextField(models.TextField):
    """Stores a string encrypted (zhili.core.crypto); reads give back the plaintext.

    Pair it with a digest column (see `people.models.Person`) to find rows by exact value.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
