"""The bounded set of Celery queues. Every task route names one of these constants."""

QUEUE_HOUSEKEEPING = "housekeeping"
QUEUE_MAINTENANCE = "maintenance"
QUEUE_LLM = "llm"
QUEUE_ATTRIBUTION = "attribution"

ALL_QUEUES = (QUEUE_HOUSEKEEPING, QUEUE_MAINTENANCE, QUEUE_LLM, QUEUE_ATTRIBUTION)
