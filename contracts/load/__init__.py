"""``mcc load``: load a provider's APIs, the simulator or ``mcc serve`` with Locust.

The parts, each a module of its own:

- :mod:`contracts.load.options`: the command line's values, parsed once
  (durations, the mix, p95 thresholds, loopback);
- :mod:`contracts.load.plan`: the run's plan, JSON that Locust forwards from
  the master to every worker;
- :mod:`contracts.load.traffic`: the connector's requests from CRM-like sample
  data, and what each answer means (no Locust);
- :mod:`contracts.load.calllogs`: provider call logs for ``mcc serve`` and the
  ledger of what it acknowledged (no Locust);
- :mod:`contracts.load.verdict`: thresholds and the call-log check;
- :mod:`contracts.load.launch`: Locust in a child process, stopped cleanly;
- :mod:`contracts.load.locustfile`: the only module that imports Locust,
  loaded by Locust itself in that child;
- :mod:`contracts.load.cli`: the ``mcc load`` command.

Importing this package imports none of them (and never Locust or gevent).
"""
