"""``accord join``: a person's seat at a talk, in a terminal.

:mod:`~accord.terminal.app` is the full-screen client, :mod:`~accord.terminal.plain`
the line mode for pipes and screen readers; both speak through
:mod:`~accord.terminal.connection` and read the same :mod:`~accord.terminal.commands`.
"""
