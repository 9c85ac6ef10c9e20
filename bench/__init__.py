"""Local benchmarks that import the app (never shipped: the load generators' image holds
loadtest/ only). `python -m bench`: the service against a raw-driver floor and the seed's
Flask stack, with wrk; `python -m bench.scale`: listing and clear-completed at 1k to 1M
todos; `python -m bench.seed`: many todos in one statement."""
