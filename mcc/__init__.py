"""``mcc``: the harness's command root.

A thin click group (``mcc.cli``) with the library's own commands (``presets``,
``config check``, ``test-api``); every other command group (``sim``,
``verify``, ``crm``, ``call``, ``popup``, ``dids``, ``serve``) is plugged in
through the ``mcc.commands`` entry point group and loaded when it runs.
"""
