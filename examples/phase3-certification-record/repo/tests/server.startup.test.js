import { startupLine } from '../src/api/server.js';
import { API_URL, FN_EMAIL, FN_SUB } from './helpers.js';

describe('server_listening startup line', () => {
  const env = { NODE_ENV: 'production', K_REVISION: 'oli-api-00018-qov', INVOKER_TOKEN_AUDIENCE: API_URL,
    WITHINGS_PULL_INVOKER_EMAILS: FN_EMAIL, WITHINGS_PULL_INVOKER_SUBS: FN_SUB };
  test('names the revision', () => expect(startupLine(env).revision).toBe('oli-api-00018-qov'));
  test('logs the audience it verifies against', () => expect(startupLine(env).invokerAudience).toBe(API_URL));
  test('logs the allowlist sizes', () =>
    expect(startupLine(env)).toMatchObject({ emailsAllowlisted: 1, subsAllowlisted: 1 }));
  test('never logs the allowlisted values', () => expect(JSON.stringify(startupLine(env))).not.toMatch(FN_SUB));
});
