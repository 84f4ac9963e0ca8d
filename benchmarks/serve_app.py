"""Serve one benchmark app in its own process: ``python -m benchmarks.serve_app APP SERVER N PORT``.

``APP`` is ``simulator`` (``create_app()`` with its defaults: journal, call
state, history and callbacks on), ``bare`` (:mod:`benchmarks.bare_flask`) or
``werkzeug`` (:mod:`benchmarks.bare_werkzeug`, no target: Flask's cost);
``SERVER`` is ``waitress``, ``gunicorn`` or ``granian``; ``N`` is what ``mcc
sim serve --workers N`` means for that server. Every app goes through
:func:`simulator.serve.serve`, the function ``mcc sim serve`` runs, so they
all get the very same server settings. The process prints ``ready`` once the
socket is bound and stops on SIGTERM.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["build", "main"]


def build(app: str, workers: int, server: str) -> Any:
    """The WSGI app to serve."""
    if app == "bare":
        from benchmarks.bare_flask import create_bare_app

        return create_bare_app()
    if app == "werkzeug":
        from benchmarks.bare_werkzeug import create_bare_werkzeug_app

        return create_bare_werkzeug_app()
    from simulator import create_app

    del workers, server  # serve() tells a simulator served by several processes
    return create_app({"random_seed": 1})


def main(argv: list[str]) -> int:
    """Serve until SIGTERM."""
    app_name, server, workers_text, port_text = argv
    workers, port = int(workers_text), int(port_text)
    # Under a deliberate load, "Task queue depth is N" is expected noise.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from simulator.serve import serve

    app = build(app_name, workers, server)

    def ready(base_url: str) -> None:
        print(f"ready {base_url}", flush=True)

    serve(app, "127.0.0.1", port, workers, server=server, on_ready=ready)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
