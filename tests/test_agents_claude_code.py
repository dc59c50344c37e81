"""Claude Code's reader: its quick reading of timestamps agrees with the general one."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.agents import BadRecord, claude_code, ms


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1)))
def test_a_usual_timestamp_is_read_to_the_same_millisecond(moment):
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert claude_code._ms(stamp) == ms(stamp)


@pytest.mark.parametrize("stamp", ["2026-03-09T22:50:00Z", "2026-03-09T22:50:00.123456Z",
                                   "2026-03-09T22:50:00.123+02:00", "2026-03-09 22:50:00.1Z"])
def test_other_forms_are_read_as_ms_reads_them(stamp):
    assert claude_code._ms(stamp) == ms(stamp)


@pytest.mark.parametrize("stamp", ["2026-13-09T22:50:00.000Z", "2026-02-30T22:50:00.000Z",
                                   "2026-03-09T24:50:00.000Z", "2026-03-09T22:60:00.000Z",
                                   "2026-03-09T22:50:00.000", "2026-03-09T22:5٥:00.000Z", "x"])
def test_what_is_not_a_time_is_refused_as_ms_refuses_it(stamp):
    with pytest.raises(BadRecord):
        ms(stamp)
    with pytest.raises(BadRecord):
        claude_code._ms(stamp)

