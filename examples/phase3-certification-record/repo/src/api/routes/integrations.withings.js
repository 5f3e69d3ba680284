import { Router } from '../http/express.js';
import { requireInvoker } from '../auth/invoker.js';
import { requireUser } from '../auth/user.js';
import { withingsStatus } from '../../lib/withings/status.js';
import { resumeAll } from '../../lib/withings/backfill.js';
import { pullAll } from '../../lib/withings/pull.js';

const router = Router();

// OAuth callback: the user connected Withings; the backfill starts running right away.
router.get('/callback', requireUser, async (req, res) => {
  const nowMs = req.ctx.nowMs();
  const status = withingsStatus(req.ctx.store, req.uid, nowMs);
  if (!status.connected) {
    req.ctx.store.set(`users/${req.uid}/integrations/withings`, { connected: true, connectedAtMs: nowMs },
      { merge: true });
  }
  const after = withingsStatus(req.ctx.store, req.uid, nowMs);
  req.ctx.log.info({ message: 'withings_oauth_callback', rid: req.rid, connected: true,
    backfill: after.backfill.status });
  return res.code(302).json({ ok: true, redirect: 'oli://devices/withings' });
});

router.get('/status', requireUser, async (req, res) => {
  const status = withingsStatus(req.ctx.store, req.uid, req.ctx.nowMs());
  req.ctx.log.info({ message: 'withings_status', rid: req.rid, connected: status.connected,
    backfill: status.backfill ? status.backfill.status : 'none' });
  return res.json({ ok: true, ...status });
});

router.post('/backfill', requireInvoker, async (req, res) => {
  const result = await resumeAll(req.ctx.store, req.ctx.withings, req.ctx.nowMs());
  req.ctx.log.info({ message: 'withings_backfill', rid: req.rid, processed: result.processed, users: result.users });
  return res.json({ ok: true, processed: result.processed, users: result.users });
});

router.post('/pull', requireInvoker, async (req, res) => {
  const result = await pullAll(req.ctx.store, req.ctx.withings, req.ctx.nowMs());
  return res.json({ ok: true, ...result });
});

export default router;
