-- Day 5, P0-D: jobs may be graph_extraction jobs (enqueue_graph_extraction_job).
ALTER TABLE public.jobs DROP CONSTRAINT IF EXISTS valid_job_type;
ALTER TABLE public.jobs ADD CONSTRAINT valid_job_type
  CHECK (job_type IN ('ingestion', 'reindex', 'health_check', 'graph_extraction'));
