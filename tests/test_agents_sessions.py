"""The record times a scan stores: leaving some out changes no active time."""

from hypothesis import given
from hypothesis import strategies as st

from candor.agents.sessions import IDLE_GAP_MS, active_by_bucket, needed_times

# Seconds to hours apart, across 15-minute buckets, so every rule is met.
STAMPS = st.lists(st.integers(0, 6 * 3600 * 1000), max_size=60)


def active(times, session="s"):
    return active_by_bucket(sorted({ts for s, ts in times if s == session}))


@given(st.lists(st.tuples(st.sampled_from("st"), st.integers(0, 6 * 3600 * 1000)),
                max_size=80), STAMPS)
def test_times_left_out_change_no_active_time_whatever_comes_later(read, later):
    kept = needed_times(set(read))
    assert kept <= set(read)
    for session in "st":
        assert active(kept, session) == active(read, session)
        # Times stored by a later scan (another file) meet the kept ones as they would all.
        more = {(session, ts) for ts in later}
        assert active(kept | more, session) == active(set(read) | more, session)
    assert {min(t for s, t in read if s == x) for x in "st" if any(s == x for s, _ in read)} <= {
        t for _, t in kept}


def test_a_busy_stretch_keeps_a_few_times():
    dense = {("s", n * 1000) for n in range(0, 3600, 2)}  # every 2 s for an hour
    kept = needed_times(dense)
    # One every 5 minutes, and each bucket's last: 16 of 1,800.
    assert len(kept) == 16 and active(kept) == active(dense)
    assert sum(active(kept).values()) == 3598 * 1000
    stamps = sorted(ts for _, ts in kept)
    assert all(b - a <= IDLE_GAP_MS for a, b in zip(stamps, stamps[1:], strict=False))
