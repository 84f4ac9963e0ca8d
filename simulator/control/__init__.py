"""The control plane: test-only endpoints under ``/_sim`` (never on provider routes)."""

from simulator.control.routes import blueprint

__all__ = ["blueprint"]
