"""Keeps Open311 keys out of the logs. GeoReport lets a client send `api_key` in the query
string, and a request line is logged whole (runserver's django.server log, an access log):
this filter writes the key as [redacted] in every record our logging handles (settings.LOGGING).
gunicorn's access log is gunicorn's own: README shows the format that leaves the query out."""

import logging
import re

# api_key or api%5Fkey (Django reads both as api_key), any case.
_API_KEY = re.compile(r"(?i)\b(api(?:_|%5f)key=)[^&\s\"']*")


class RedactApiKey(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        lowered = message.lower()
        if "api_key=" in lowered or "api%5fkey=" in lowered:
            record.msg, record.args = _API_KEY.sub(r"\1[redacted]", message), ()
        return True
