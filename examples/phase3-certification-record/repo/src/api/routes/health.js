import { Router } from '../http/express.js';

const router = Router();

router.get('/health', async (req, res) => res.json({ ok: true }));

export default router;
