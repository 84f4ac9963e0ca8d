"""Replay a recorded partner (``mcc sim serve --replay DIR``).

``mcc record`` (in ``contracts``) writes one JSON cassette per probe; this
package reads them with its own reader (the simulator imports nothing of
``contracts`` or ``connector``) and serves them as if they were a dialect.
"""

from simulator.replay.app import Replay, create_replay_app
from simulator.replay.store import ReplayError, load_cassettes

__all__ = ["Replay", "ReplayError", "create_replay_app", "load_cassettes"]
