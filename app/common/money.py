"""Amounts are integers in the currency's minor unit (cents; yen for JPY, which has none). Babel knows each
ISO 4217 currency's exponent and symbol, so ¥4,900 is never shown as "JPY 49.00"."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from app.common import i18n

# The language in force picks the form: "$49.00", "¥4,900", "€4.90" in English; "4,90 €", "49,00 $" in German.


def digits(currency: str | None) -> int:
    """Decimal places of the currency's minor unit: 2 for USD, 0 for JPY and KRW."""
    return get_currency_precision((currency or "USD").upper())


def format_amount(amount: int | None, currency: str | None, locale: str | None = None) -> str:
    if amount is None:
        return ""
    code = (currency or "USD").upper()
    places = digits(code)
    return format_currency(Decimal(amount).scaleb(-places), code, locale=locale or i18n.babel_locale(),
                           format_type="standard", currency_digits=True)


def to_minor(value, currency: str | None, strict: bool = True) -> int | None:
    """A major-unit amount as typed ("4.90", "4900" for JPY) → minor units; None when it is not a
    valid amount of that currency (any decimal part on a zero-decimal currency when strict, too many
    decimals). Settings such as SLA_MIN_CREDIT="1.00" are read with strict=False."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    if strict and digits(currency) == 0 and number.as_tuple().exponent < 0:
        return None
    scaled = number.scaleb(digits(currency))
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def amount_error(currency: str | None) -> str:
    places = digits(currency)
    if places == 0:
        return f"{(currency or '').upper()} has no decimal part: enter a whole amount, e.g. 4900."
    return f"Enter an amount with at most {places} decimals, e.g. 4.90."
