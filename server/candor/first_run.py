"""What a new journal offers instead of empty figures: the ways to start filling it."""

from .agents import background


def ways_to_start(db, agent_roots):
    """None once the journal holds a session; else what to show: the agents found here."""
    if db.conn.execute("SELECT EXISTS (SELECT 1 FROM sessions)").fetchone()[0]:
        return None
    return {"agents": [s for s in background.sources(db, agent_roots) if s["found"]]}
