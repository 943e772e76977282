"""Languages of the pages: gettext catalogs compiled from .po at start-up, locale-aware formats.

Catalogs live in ``ccops/locale/<language>/LC_MESSAGES/ccops.po`` (inside the package, so a
wheel carries them); they are read with Babel and compiled in memory, so no .mo binary is ever
committed or built. The user's language is, in order: the one saved on the user, the language
cookie, the browser's Accept-Language, English. Numbers and dates are formatted by Babel in the
chosen locale.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, format_currency, parse_pattern
from babel.support import Translations
from starlette.requests import Request

from ccops.enums import Language
from ccops.text import N_

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "ccops"
NAMES = {
    Language.en: "English",
    Language.zh_Hans: "简体中文",
    Language.zh_Hant: "繁體中文",
}
"""Each language in its own words, for the language switch."""
BABEL_LOCALES = {
    Language.en: "en_GB",
    Language.zh_Hans: "zh_Hans_CN",
    Language.zh_Hant: "zh_Hant_TW",
}
HTML_LANG = {Language.en: "en", Language.zh_Hans: "zh-Hans", Language.zh_Hant: "zh-Hant"}
DASH = "—"
__all__ = ["N_", "Formats", "translations"]


@cache
def translations(language: Language) -> Translations:
    """Return the compiled catalog of ``language`` (English: the messages as written)."""
    path = LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == Language.en or not path.exists():
        return Translations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[language], domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def negotiate(accept_language: str | None) -> Language | None:
    """Pick our language for an Accept-Language header (zh-TW/HK/MO/Hant: Traditional)."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            weighted.append((-quality, position, tag.strip().lower().replace("_", "-")))
    for negative_quality, _, tag in sorted(weighted):
        if negative_quality >= 0:
            continue
        if tag.startswith("zh"):
            traditional = any(x in tag for x in ("hant", "-tw", "-hk", "-mo"))
            return Language.zh_Hant if traditional else Language.zh_Hans
        if tag.startswith("en"):
            return Language.en
    return None


def parse_language(value: str | None) -> Language | None:
    """Return the language named ``value``, or None."""
    try:
        return Language(value) if value else None
    except ValueError:
        return None


def request_language(request: Request, saved: Language | None) -> Language:
    """Return the language of a request: saved on the user, cookie, browser, English."""
    from ccops.web.security import LANGUAGE_COOKIE

    return (
        saved
        or parse_language(request.cookies.get(LANGUAGE_COOKIE))
        or negotiate(request.headers.get("accept-language"))
        or Language.en
    )


@cache
def _locale(language: Language) -> Locale:
    return Locale.parse(BABEL_LOCALES[language])


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _apply(pattern: str, value: float | int, language: Language) -> str:
    """What ``format_decimal``/``format_percent`` with ``format=pattern`` return (their
    defaults), without parsing pattern and locale again for each of a page's numbers."""
    return _formatted(pattern, str(value), language)


@lru_cache(maxsize=8192)
def _formatted(pattern: str, value: str, language: Language) -> str:
    # keyed by str(value), which is all Babel reads of it (it formats Decimal(str(value)))
    text: str = _pattern(pattern).apply(
        Decimal(value), _locale(language), decimal_quantization=True, group_separator=True
    )
    return text


@dataclass(frozen=True)
class Formats:
    """Numbers, percentages, durations and dates in one locale; None shows as a dash."""

    language: Language

    @property
    def locale(self) -> Locale:
        """The Babel locale."""
        return _locale(self.language)

    def num(self, value: float | int | None, digits: int = 0) -> str:
        """A number with grouping and ``digits`` decimals."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return _apply(pattern, value, self.language)

    def pct(self, value: float | None, digits: int = 1) -> str:
        """A fraction as a percentage with ``digits`` decimals."""
        if value is None or not math.isfinite(value):
            return DASH
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return _apply(pattern, value, self.language)

    def money(self, value: float | None, currency: str | None) -> str:
        """An amount in an ISO 4217 currency in the locale's form, e.g. ``£4,500.00``."""
        if value is None or not math.isfinite(value):
            return DASH
        if not currency:
            return self.num(value, 2)
        return str(format_currency(value, currency, locale=self.locale))

    def secs(self, value: float | None, digits: int = 0) -> str:
        """A duration in seconds, e.g. ``23 s``."""
        if value is None or not math.isfinite(value):
            return DASH
        return translations(self.language).gettext("%(n)s s") % {"n": self.num(value, digits)}

    def day(self, value: date | None) -> str:
        """A date in the locale's medium form."""
        return DASH if value is None else format_date(value, "medium", locale=self.locale)

    def weekday_date(self, value: date | None) -> str:
        """A date with its weekday, e.g. ``Mon 16 Nov 2026``."""
        if value is None:
            return DASH
        return format_date(value, "EEE", locale=self.locale) + " " + self.day(value)

    def clock(self, value: datetime | None) -> str:
        """A wall-clock time HH:mm in the value's own offset (the site's local time)."""
        if value is None:
            return DASH
        return format_time(value, "HH:mm", tzinfo=value.tzinfo, locale=self.locale)

    def local(self, value: datetime | None, zone: str | None) -> str:
        """A date and time in a site's time zone, named with its offset, e.g. ``3 Dec 2026,
        12:14:05 (Asia/Shanghai, UTC+8)``: a bare UTC time beside a Shanghai call misleads by
        eight hours."""
        if value is None:
            return DASH
        if not zone:
            return self.moment(value)
        tz = ZoneInfo(zone)
        at = value.astimezone(tz)
        minutes = int((at.utcoffset() or timedelta(0)).total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        offset = "UTC" if minutes == 0 else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
        shown = format_datetime(at, "medium", tzinfo=tz, locale=self.locale)
        return f"{shown} ({zone}, {offset})"

    def moment(self, value: datetime | None) -> str:
        """A date and time in the locale's medium form, in the value's own offset; a UTC value
        says so (``(UTC)``), as a bare time would be read as local."""
        if value is None:
            return DASH
        shown = format_datetime(value, "medium", tzinfo=value.tzinfo, locale=self.locale)
        offset = value.utcoffset()
        return shown + " (UTC)" if offset is None or offset == timedelta(0) else shown
