"""Local test bed for the test suites and the benchmarks: a throwaway PostgreSQL server,
the live server on a free loopback port, and stopping a process by its PID."""
