"""Local test bed for the test suites and the benchmarks: a throwaway PostgreSQL server and
the live server on a free loopback port (the machine-level helpers they use are hostkit's)."""
