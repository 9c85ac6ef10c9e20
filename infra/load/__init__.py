"""The load generators: Locust next to the service, as a second stack deployed on request."""
