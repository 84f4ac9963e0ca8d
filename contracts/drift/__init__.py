"""Drift: has the partner changed since it was recorded, and does the connector care?

- :mod:`contracts.drift.kinds`: the telephony-named kinds and the verdicts;
- :mod:`contracts.drift.compare`: fingerprint against fingerprint;
- :mod:`contracts.drift.impact`: the connector's decision on either answer;
- :mod:`contracts.drift.check`: ``mcc drift``'s run, and ``--update-baseline``;
- :mod:`contracts.drift.reports` and :mod:`contracts.drift.console`: the reports.
"""
