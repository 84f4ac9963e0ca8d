"""``python -m simulator``: the same as ``mcc sim serve`` (same options)."""

from __future__ import annotations

from simulator.cli import serve_command


def main() -> None:
    """Run ``serve`` as a stand-alone command."""
    serve_command(prog_name="python -m simulator")


if __name__ == "__main__":
    main()
