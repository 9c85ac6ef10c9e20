"""CloudFront, emulated from the deployed template: the local front door."""
