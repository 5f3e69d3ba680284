// The Withings presence contract, shared by the API (writes RawEvents) and the client (reads them).
export const WITHINGS_SOURCE_ID = 'withings';
export const WEIGHT_KIND = 'weight';
export const RECENT_DAYS = 7;
export const BACKFILL_STATUSES = Object.freeze(['running', 'error', 'complete']);
