"""AWS WAF, emulated from the deployed template."""
