"""Keeps Open311 keys out of the logs. GeoReport lets a client send `api_key` in the query
string, and a request line is logged whole (runserver's django.server log, an access log):
this filter writes the key as [redacted] in every record our logging handles (settings.LOGGING).
gunicorn's access log is gunicorn's own: README shows the format that leaves the query out."""

import logging
import re

_API_KEY = re.compile(r"(?i)\b(api_key=)[^&\s\"']*")


class RedactApiKey(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message.lower():
            record.msg, record.args = _API_KEY.sub(r"\1[redacted]", message), ()
        return True
