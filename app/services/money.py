"""Amounts are integers in the currency's minor unit; this turns them into text people read."""
from __future__ import annotations


def format_amount(amount: int | None, currency: str | None) -> str:
    if amount is None:
        return ""
    return f"{(currency or '').upper()} {amount / 100:,.2f}".strip()
