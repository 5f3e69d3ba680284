import { isWithingsWeight, presenceQuery, withingsPresence } from '../src/client/useWithingsPresence.js';
import { WEIGHT_KIND, WITHINGS_SOURCE_ID } from '../src/shared/withings.js';
import { DAY_MS, NOW_MS } from './helpers.js';

const ev = (kind, sourceId, daysAgo) => ({ kind, sourceId, observedAtMs: NOW_MS - daysAgo * DAY_MS });

describe('useWithingsPresence contract: kind=weight, sourceId=withings', () => {
  test('contract constants are kind=weight and sourceId=withings', () => {
    expect(WEIGHT_KIND).toBe('weight');
    expect(WITHINGS_SOURCE_ID).toBe('withings');
  });
  test('a Withings weight event counts', () => expect(isWithingsWeight(ev('weight', 'withings', 1))).toBe(true));
  test('a weight event from another source does not count', () =>
    expect(isWithingsWeight(ev('weight', 'apple_health', 1))).toBe(false));
  test('a Withings event of another kind does not count', () =>
    expect(isWithingsWeight(ev('heart_rate', 'withings', 1))).toBe(false));
  test('the hook asks the API for kinds=weight', () => expect(presenceQuery()).toBe('/users/me/raw-events?kinds=weight'));
});

// Filtering yields only Withings events for latest/hasRecentData.
const SCENARIOS = [
  { name: 'no events', events: [], latest: null, recent: false, count: 0 },
  { name: 'one recent Withings weight', events: [ev('weight', 'withings', 1)], latest: 0, recent: true, count: 1 },
  { name: 'one old Withings weight', events: [ev('weight', 'withings', 30)], latest: 0, recent: false, count: 1 },
  { name: 'Withings weight exactly 7 days old', events: [ev('weight', 'withings', 7)], latest: 0, recent: true, count: 1 },
  { name: 'only manual weights', events: [ev('weight', 'manual', 0), ev('weight', 'manual', 2)], latest: null, recent: false, count: 0 },
  { name: 'recent manual weight, old Withings weight', events: [ev('weight', 'manual', 0), ev('weight', 'withings', 20)], latest: 1, recent: false, count: 1 },
  { name: 'recent Withings sleep, no Withings weight', events: [ev('sleep', 'withings', 0)], latest: null, recent: false, count: 0 },
  { name: 'newest Withings weight wins', events: [ev('weight', 'withings', 5), ev('weight', 'withings', 2), ev('weight', 'withings', 9)], latest: 1, recent: true, count: 3 },
  { name: 'mixed sources and kinds', events: [ev('steps', 'fitbit', 0), ev('weight', 'withings', 3), ev('weight', 'oura', 1)], latest: 1, recent: true, count: 1 },
  { name: 'null and malformed entries are ignored', events: [null, {}, ev('weight', 'withings', 4)], latest: 2, recent: true, count: 1 },
];

for (const s of SCENARIOS) {
  describe(`withingsPresence: ${s.name}`, () => {
    const result = () => withingsPresence(s.events, NOW_MS);
    test('latest is the newest Withings weight event', () =>
      expect(result().latest).toBe(s.latest === null ? null : s.events[s.latest]));
    test(`hasRecentData is ${s.recent}`, () => expect(result().hasRecentData).toBe(s.recent));
    test(`counts ${s.count} Withings weight event(s)`, () => expect(result().count).toBe(s.count));
    test('latest is never a non-Withings or non-weight event', () => {
      const { latest } = result();
      expect(latest === null || isWithingsWeight(latest)).toBe(true);
    });
  });
}
