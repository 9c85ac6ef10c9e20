"""Load tests for the todo API: Locust user models, load profiles, thresholds and reports."""
