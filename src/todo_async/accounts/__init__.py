"""Users and their credentials: who a request comes from."""
