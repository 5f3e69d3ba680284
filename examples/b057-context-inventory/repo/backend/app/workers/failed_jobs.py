from app.workers.db import tenant_connection


def record_failed_job(task, tenant_id: str, exc: Exception) -> None:
    with tenant_connection(tenant_id) as conn:
        conn.execute(
            "INSERT INTO worker_failed_jobs (task_id, task_name, queue, tenant_id, retry_count, status, error_message) "
            "VALUES (%s, %s, %s, %s, %s, 'failed', %s)",
            (task.request.id, task.name, task.request.delivery_info.get("routing_key"), tenant_id,
             task.request.retries, repr(exc)))
