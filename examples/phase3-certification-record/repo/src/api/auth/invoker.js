// Invoker auth for service-to-service endpoints (POST /integrations/withings/backfill and /pull).
// The caller sends a Google ID token (Bearer). Its audience must be INVOKER_TOKEN_AUDIENCE, and its
// email must be in WITHINGS_PULL_INVOKER_EMAILS or its sub in WITHINGS_PULL_INVOKER_SUBS (service
// account tokens minted without the email claim carry only `sub`).
import { TokenError, verifyIdToken } from './idtoken.js';

export function parseList(value) {
  return String(value || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function invokerConfig(env) {
  const emails = parseList(env.WITHINGS_PULL_INVOKER_EMAILS);
  const subs = parseList(env.WITHINGS_PULL_INVOKER_SUBS);
  const audience = String(env.INVOKER_TOKEN_AUDIENCE || '').trim();
  if (env.NODE_ENV === 'production' && emails.length === 0 && subs.length === 0) {
    throw new Error('WITHINGS_PULL_INVOKER_EMAILS or WITHINGS_PULL_INVOKER_SUBS must be set in production');
  }
  return { emails, subs, audience };
}

function reject(req, res, fields) {
  // The one diagnostic line per 403; `rid` correlates it with the Cloud Run request log.
  req.ctx.log.warn({ message: 'invoker_auth_rejected', rid: req.rid, ...fields });
  return res.code(403).json({ ok: false, error: 'forbidden', rid: req.rid });
}

function tokenFields(claims) {
  return {
    aud: claims.aud,
    emailPresent: Boolean(claims.email),
    subPresent: Boolean(claims.sub),
    sub: claims.sub,
  };
}

export async function requireInvoker(req, res, next) {
  const config = req.ctx.invoker;
  const header = String(req.headers.authorization || '');
  if (!header.startsWith('Bearer ')) {
    return reject(req, res, { branch: 'none', errorCode: 'NO_BEARER' });
  }
  let claims;
  try {
    claims = verifyIdToken(header.slice('Bearer '.length), config.audience, req.ctx.nowMs());
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    return reject(req, res, {
      branch: 'bearer',
      errorCode: err.errorCode,
      ...tokenFields(err.claims),
      verifyReason: err.verifyReason,
    });
  }
  const byEmail = Boolean(claims.email) && config.emails.includes(claims.email);
  const bySub = Boolean(claims.sub) && config.subs.includes(claims.sub);
  if (!byEmail && !bySub) {
    const errorCode = claims.email ? 'NOT_ALLOWLISTED' : 'EMAIL_MISSING';
    return reject(req, res, { branch: 'bearer', errorCode, ...tokenFields(claims) });
  }
  req.invoker = { email: claims.email, sub: claims.sub };
  req.ctx.log.info({
    message: 'invoker_auth_ok', rid: req.rid, branch: 'bearer', matchedBy: byEmail ? 'email' : 'sub', sub: claims.sub,
  });
  return next();
}
