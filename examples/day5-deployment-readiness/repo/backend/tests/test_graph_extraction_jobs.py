"""The graph extraction job queue (P0-D). Standard library only:

    python -m unittest backend.tests.test_graph_extraction_jobs -v     # from the repository root
"""
import unittest

from backend.modules._core import scribe_engine as se

se.logger.disabled = True  # the job log is asserted through the store, not printed


class IdempotencyTest(unittest.TestCase):
    def setUp(self):
        self.store = se.InMemoryJobStore()

    def test_same_turn_enqueued_twice_is_one_job(self):
        a = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello", store=self.store)
        b = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello", store=self.store)
        self.assertEqual(a.id, b.id)
        self.assertEqual(len(self.store.jobs), 1)
        self.assertEqual(a.job_type, "graph_extraction")

    def test_key_is_conversation_id_plus_content_hash(self):
        job = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello", store=self.store)
        self.assertEqual(job.metadata["idempotency_key"], "conv-1:" + se.content_hash("hi", "hello"))

    def test_other_content_or_conversation_is_a_new_job(self):
        a = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello", store=self.store)
        b = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello again", store=self.store)
        c = se.enqueue_graph_extraction_job("twin-1", "conv-2", "hi", "hello", store=self.store)
        self.assertEqual(len({a.id, b.id, c.id}), 3)


class RetryBackoffTest(unittest.TestCase):
    def setUp(self):
        self.store = se.InMemoryJobStore()
        self.job = se.enqueue_graph_extraction_job("twin-1", "conv-1", "hi", "hello", store=self.store)
        self.slept = []

    def test_delays_double_and_are_capped(self):
        self.assertEqual([se.backoff_delay(n) for n in range(1, 8)], [2, 4, 8, 16, 32, 60, 60])

    def test_transient_failures_are_retried_with_backoff(self):
        calls = []

        def extract(meta):
            calls.append(1)
            if len(calls) < 3:
                raise TimeoutError("LLM timeout")
            return {"nodes": [1, 2], "edges": [1]}

        job = se.process_graph_extraction_job(self.job, extract, store=self.store, sleep=self.slept.append)
        self.assertEqual((job.status, job.attempts), ("complete", 3))
        self.assertEqual(self.slept, [2.0, 4.0])

    def test_gives_up_after_max_attempts_and_logs_it(self):
        def extract(meta):
            raise RuntimeError("boom")

        job = se.process_graph_extraction_job(self.job, extract, store=self.store, sleep=self.slept.append)
        self.assertEqual((job.status, job.attempts), ("failed", se.MAX_ATTEMPTS))
        self.assertEqual(self.slept, [2.0, 4.0, 8.0])
        levels = [level for _, level, _ in self.store.logs]
        self.assertEqual(levels.count("warning"), se.MAX_ATTEMPTS)
        self.assertEqual(levels[-1], "error")


if __name__ == "__main__":
    unittest.main()
