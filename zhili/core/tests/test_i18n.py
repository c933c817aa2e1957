"""The Chinese catalogue ships compiled and complete; pages speak Chinese by default."""

import gettext
import re
from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


_ENTRY = re.compile(r'^msgid "(.*)"\n((?:".*"\n)*)msgstr "(.*)"\n?((?:".*"\n?)*)', re.M)


def _po_entries() -> dict[str, str]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        found = _ENTRY.search(block)
        if not found:
            continue
        key = found.group(1) + "".join(re.findall(r'"(.*)"', found.group(2)))
        value = found.group(3) + "".join(re.findall(r'"(.*)"', found.group(4)))
        if key:
            entries[key] = "" if "#, fuzzy" in block else value
    return entries


def test_every_message_is_translated_and_compiled():
    po = _po_entries()
    assert len(po) > 200
    untranslated = [k for k, v in po.items() if not v]
    assert untranslated == []
    with open(LOCALE / "django.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = [k for k in po if mo.gettext(k.encode().decode("unicode_escape")) == k]
    assert stale == [], "django.mo is older than django.po: run `make messages`"


def test_chinese_is_the_default_and_english_is_available(client):
    page = client.get("/login/").content.decode()
    assert "登录治理平台" in page
    with translation.override("en"):
        assert translation.gettext("Sign in to Zhili") == "Sign in to Zhili"
    with translation.override("zh-hans"):
        assert translation.gettext("Grid officer") == "网格员"
