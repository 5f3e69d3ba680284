import { TokenError, decodeClaims, makeIdToken, verifyIdToken } from '../src/api/auth/idtoken.js';
import { API_URL, NOW_MS } from './helpers.js';

const base = { aud: API_URL, sub: '1', exp: NOW_MS / 1000 + 60 };

describe('ID token decoding', () => {
  test('round-trips claims', () => expect(decodeClaims(makeIdToken(base))).toEqual(base));
  test('an access token has the wrong number of segments', () =>
    expect(() => decodeClaims('ya29.abc')).toThrow('Wrong number of segments'));
  test('a payload that is not JSON is malformed', () => expect(() => decodeClaims('a.b.c')).toThrow('not JSON'));
  test('errors are TokenErrors with an errorCode', () => {
    let err;
    try { decodeClaims('x'); } catch (e) { err = e; }
    expect(err instanceof TokenError && err.errorCode === 'ACCESS_TOKEN_NOT_ID_TOKEN').toBe(true);
  });
});

describe('ID token verification', () => {
  test('accepts the right audience before exp', () => expect(verifyIdToken(makeIdToken(base), API_URL, NOW_MS).sub).toBe('1'));
  test('audience must match exactly (no path)', () =>
    expect(() => verifyIdToken(makeIdToken(base), `${API_URL}/integrations/withings/backfill`, NOW_MS)).toThrow('Wrong recipient'));
  test('an expired token is refused', () =>
    expect(() => verifyIdToken(makeIdToken({ ...base, exp: NOW_MS / 1000 - 1 }), API_URL, NOW_MS)).toThrow('too late'));
  test('a token without exp is refused', () =>
    expect(() => verifyIdToken(makeIdToken({ aud: API_URL }), API_URL, NOW_MS)).toThrow('too late'));
  test('an unset audience refuses everything', () =>
    expect(() => verifyIdToken(makeIdToken(base), '', NOW_MS)).toThrow('INVOKER_TOKEN_AUDIENCE'));
});
