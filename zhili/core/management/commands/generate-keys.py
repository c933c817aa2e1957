import secrets

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print fresh SECRET_KEY, PERSONAL_DATA_KEYS and PERSONAL_DATA_INDEX_KEY lines."

    def handle(self, *args, **options):
        self.stdout.write(f"SECRET_KEY={secrets.token_urlsafe(50)}")
        self.stdout.write(f"PERSONAL_DATA_KEYS={Fernet.generate_key().decode()}")
        self.stdout.write(f"PERSONAL_DATA_INDEX_KEY={secrets.token_urlsafe(32)}")
