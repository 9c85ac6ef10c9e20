"""CloudWatch for the local stack: the load balancer's metrics (from HAProxy) published to
LocalStack's CloudWatch, and the stack's alarms evaluated where LocalStack does not."""
