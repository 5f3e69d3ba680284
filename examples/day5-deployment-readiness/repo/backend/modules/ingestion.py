"""Ingestion jobs: split an uploaded source into chunks and embed them."""
from backend.modules.db import get_supabase


def process_ingestion_job(job: dict) -> None:
    db = get_supabase()
    db.table("sources").update({"status": "processing"}).eq("id", job["metadata"]["source_id"]).execute()
    # ... download, split, embed, insert chunks ...
    db.table("jobs").update({"status": "complete"}).eq("id", job["id"]).execute()


def process_reindex_job(job: dict) -> None:
    db = get_supabase()
    # ... re-embed every chunk of the twin ...
    db.table("jobs").update({"status": "complete"}).eq("id", job["id"]).execute()
