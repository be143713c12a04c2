"""Event streams for other services: the relay that publishes the log to
Kafka as CloudEvents, the consumer kit, and the published schemas."""
