"""Cassettes: a partner's answers to the probes of ``mcc verify``, kept on disk.

- :mod:`contracts.cassettes.format`: the files (one JSON per probe, an index);
- :mod:`contracts.cassettes.capture`: an exchange as a cassette, redacted;
- :mod:`contracts.cassettes.fingerprint`: what a connector can notice of an answer;
- :mod:`contracts.cassettes.har`: the same exchanges as HAR, for other tools.

``mcc record`` writes them (:mod:`contracts.record`), ``mcc sim serve --replay``
serves them (``simulator.replay``, its own reader), ``mcc drift`` compares a
partner with them (:mod:`contracts.drift`).
"""
