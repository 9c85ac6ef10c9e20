"""The application load balancer: HAProxy configured from the listener and target group."""
