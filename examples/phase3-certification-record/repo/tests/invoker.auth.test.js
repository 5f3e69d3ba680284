import app from '../src/api/app.js';
import { dispatch } from '../src/api/http/express.js';
import { invokerConfig, parseList } from '../src/api/auth/invoker.js';
import { API_URL, FN_EMAIL, FN_SUB, NOW_MS, makeCtx, token } from './helpers.js';

const OTHER_SUB = '104729381650027734418';
const PATHS = ['/integrations/withings/backfill', '/integrations/withings/pull'];
const allowEmail = { emails: [FN_EMAIL], subs: [], audience: API_URL };
const allowSub = { emails: [], subs: [FN_SUB], audience: API_URL };

// Every shape of caller the invoker endpoints see, and what the API must answer and log.
const CASES = [
  { name: 'no Authorization header', auth: null, config: allowSub, status: 403, errorCode: 'NO_BEARER', branch: 'none' },
  { name: 'Basic auth instead of Bearer', auth: 'Basic dXNlcjpwdw==', config: allowSub, status: 403, errorCode: 'NO_BEARER', branch: 'none' },
  { name: 'access token (ya29.) instead of an ID token', auth: 'Bearer ya29.a0AfB_access', config: allowSub, status: 403, errorCode: 'ACCESS_TOKEN_NOT_ID_TOKEN', branch: 'bearer' },
  { name: 'audience = service URL + path', claims: { aud: `${API_URL}/integrations/withings/backfill`, sub: FN_SUB }, config: allowSub, status: 403, errorCode: 'AUDIENCE_MISMATCH', branch: 'bearer' },
  { name: 'audience = another service', claims: { aud: 'https://onwithingsbackfillscheduled-k7xq2m4vna-uc.a.run.app', sub: FN_SUB }, config: allowSub, status: 403, errorCode: 'AUDIENCE_MISMATCH', branch: 'bearer' },
  { name: 'INVOKER_TOKEN_AUDIENCE not configured', claims: { sub: FN_SUB }, config: { ...allowSub, audience: '' }, status: 403, errorCode: 'AUDIENCE_NOT_CONFIGURED', branch: 'bearer' },
  { name: 'expired token', claims: { sub: FN_SUB, exp: NOW_MS / 1000 - 60 }, config: allowSub, status: 403, errorCode: 'TOKEN_EXPIRED', branch: 'bearer' },
  { name: 'no email claim, sub not in SUBS', claims: { sub: FN_SUB }, config: allowEmail, status: 403, errorCode: 'EMAIL_MISSING', branch: 'bearer' },
  { name: 'email not in EMAILS', claims: { sub: OTHER_SUB, email: 'oli-data-export@oli-prod.iam.gserviceaccount.com' }, config: allowEmail, status: 403, errorCode: 'NOT_ALLOWLISTED', branch: 'bearer' },
  { name: 'both allowlists empty', claims: { sub: FN_SUB, email: FN_EMAIL }, config: { emails: [], subs: [], audience: API_URL }, status: 403, errorCode: 'NOT_ALLOWLISTED', branch: 'bearer' },
  { name: 'email in EMAILS', claims: { sub: FN_SUB, email: FN_EMAIL }, config: allowEmail, status: 200, matchedBy: 'email' },
  { name: 'no email claim, sub in SUBS', claims: { sub: FN_SUB }, config: allowSub, status: 200, matchedBy: 'sub' },
];

for (const c of CASES) {
  for (const url of PATHS) {
    describe(`invoker auth on POST ${url}: ${c.name}`, () => {
      let ctx;
      let res;
      beforeEach(async () => {
        ctx = makeCtx({ invoker: c.config });
        const auth = c.claims ? `Bearer ${token(c.claims)}` : c.auth;
        res = await dispatch(app, { method: 'POST', url, ctx, rid: 'r-0123456789ab',
          headers: auth ? { authorization: auth } : {} });
      });
      test(`answers ${c.status}`, () => expect(res.status).toBe(c.status));
      if (c.status === 403) {
        test('logs exactly one invoker_auth_rejected line', () =>
          expect(ctx.log.lines.filter((l) => l.message === 'invoker_auth_rejected')).toHaveLength(1));
        test(`the line has rid, branch=${c.branch} and errorCode=${c.errorCode}`, () =>
          expect(ctx.log.lines[0]).toMatchObject({ rid: 'r-0123456789ab', branch: c.branch, errorCode: c.errorCode }));
        test('the 403 body carries the rid to correlate with the request log', () =>
          expect(res.body).toEqual({ ok: false, error: 'forbidden', rid: 'r-0123456789ab' }));
        test('the handler does not run (nothing written)', () => expect(ctx.store.writes).toHaveLength(0));
      } else {
        test(`logs invoker_auth_ok matchedBy=${c.matchedBy}`, () =>
          expect(ctx.log.lines[0]).toMatchObject({ message: 'invoker_auth_ok', matchedBy: c.matchedBy }));
      }
    });
  }
}

describe('invoker_auth_rejected on the Bearer path: aud, emailPresent, subPresent, sub, verifyReason', () => {
  let line;
  beforeEach(async () => {
    const ctx = makeCtx({ invoker: allowSub });
    await dispatch(app, { method: 'POST', url: PATHS[0], ctx,
      headers: { authorization: `Bearer ${token({ aud: `${API_URL}/x`, sub: FN_SUB })}` } });
    [line] = ctx.log.lines;
  });
  test('aud is the token audience', () => expect(line.aud).toBe(`${API_URL}/x`));
  test('emailPresent and subPresent are booleans', () => expect([line.emailPresent, line.subPresent]).toEqual([false, true]));
  test('sub is logged (to be added to WITHINGS_PULL_INVOKER_SUBS)', () => expect(line.sub).toBe(FN_SUB));
  test('verifyReason says why verification failed', () => expect(line.verifyReason).toMatch('audience'));
  test('the token itself is never logged', () => expect(JSON.stringify(line)).not.toMatch('eyJ'));
});

describe('invoker configuration from the environment', () => {
  test('parseList splits on commas and trims', () => expect(parseList(' a@x , b@y,, ')).toEqual(['a@x', 'b@y']));
  test('parseList of an unset variable is empty', () => expect(parseList(undefined)).toEqual([]));
  test('reads WITHINGS_PULL_INVOKER_EMAILS', () =>
    expect(invokerConfig({ WITHINGS_PULL_INVOKER_EMAILS: FN_EMAIL }).emails).toEqual([FN_EMAIL]));
  test('reads WITHINGS_PULL_INVOKER_SUBS', () =>
    expect(invokerConfig({ WITHINGS_PULL_INVOKER_SUBS: FN_SUB }).subs).toEqual([FN_SUB]));
  test('reads INVOKER_TOKEN_AUDIENCE', () =>
    expect(invokerConfig({ INVOKER_TOKEN_AUDIENCE: API_URL }).audience).toBe(API_URL));
  test('in production, refuses to start with both allowlists empty', () =>
    expect(() => invokerConfig({ NODE_ENV: 'production' })).toThrow('must be set in production'));
  test('in production, one allowlist is enough (SUBS only)', () =>
    expect(invokerConfig({ NODE_ENV: 'production', WITHINGS_PULL_INVOKER_SUBS: FN_SUB }).subs).toHaveLength(1));
  test('in production, one allowlist is enough (EMAILS only)', () =>
    expect(invokerConfig({ NODE_ENV: 'production', WITHINGS_PULL_INVOKER_EMAILS: FN_EMAIL }).emails).toHaveLength(1));
});
