"""Calendar arithmetic of the deadline extension (month ends are where it goes wrong)."""
from datetime import UTC, datetime

import pytest

from app.models.dsar import add_months


@pytest.mark.parametrize("start, months, expected", [
    (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
    (datetime(2027, 12, 31, 9, tzinfo=UTC), 2, datetime(2028, 2, 29, 9, tzinfo=UTC)),
    (datetime(2026, 11, 15, 9, tzinfo=UTC), 2, datetime(2027, 1, 15, 9, tzinfo=UTC)),
])
def test_add_months_clamps_to_the_months_last_day(start, months, expected):
    assert add_months(start, months) == expected
