"""The shipped plug-in commands' one-line help, so ``mcc --help`` imports none of them.

Listing a group's commands asks each for its short help, which for a plug-in
means importing it (and, through it, the connector, the CRM, Flask, rich...):
about half a second on a 2-core machine. The shipped plug-ins' lines are kept
here, keyed by the entry point's target, and a test keeps each equal to the
loaded command's own. A plug-in not listed (a third party's, or a shipped
name pointing elsewhere) is imported to ask, as before.
"""

from __future__ import annotations

__all__ = ["SHORT_HELP"]

SHORT_HELP: dict[str, str] = {
    "calling.cli:call": (
        "Place a cloud call from a user to a lead and record it on the lead's history."
    ),
    "console.cli:console": "Run the agent console and the call-log service until Ctrl-C.",
    "crm.cli:crm": "The embedded CRM: users, leads and their call activities.",
    "calling.cli:dids": "The DID list: sync it from the provider, list it.",
    "contracts.drift.cli:drift": (
        "Compare a partner's answers now with a recorded baseline; exit 1 on breaking drift."
    ),
    "contracts.load.cli:load": (
        "Load a provider's APIs (or the simulator, or mcc serve) with Locust; judge thresholds."
    ),
    "calling.cli:popup": "Show the incoming pop-up for a call ringing on the agent's phone.",
    "contracts.cassettes.cli:record": (
        "Record a partner: every probe of mcc verify, one redacted cassette per probe."
    ),
    "calling.cli:serve": (
        "Run the connector's call-log service (and the DID sync schedule) until Ctrl-C."
    ),
    "simulator.cli:sim": "Run the provider simulator (Ozonetel, generic, Knowlarity dialects).",
    "contracts.cli:verify": (
        "Verify a partner's APIs against a connector config; write a scorecard and reports."
    ),
}
