import { Router } from '../http/express.js';
import { requireUser } from '../auth/user.js';
import { listRawEvents } from '../../lib/withings/rawEvents.js';

const router = Router();

router.get('/me/raw-events', requireUser, async (req, res) => {
  const kinds = String(req.query.kinds || '').split(',').filter(Boolean);
  const items = listRawEvents(req.ctx.store, req.uid, kinds).sort((a, b) => b.observedAtMs - a.observedAtMs);
  const sources = [...new Set(items.map((e) => e.sourceId))].sort();
  req.ctx.log.info({ message: 'raw_events_list', rid: req.rid, kinds: kinds.join(','), count: items.length,
    sourceIds: sources.join(',') });
  return res.json({ ok: true, items });
});

export default router;
