"""`make bench`: the service against a raw-driver floor and the seed's Flask stack, with wrk."""
