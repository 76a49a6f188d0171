"""Tournaments, the running part: workers that play the planned talks (in
process, in a local pool or on a Dask cluster), sandboxes for untrusted
entries, the results store, standings, ratings, exports and the report.
The pure part (the file, the plan, scores) is :mod:`accord.protocol.tournament`."""
