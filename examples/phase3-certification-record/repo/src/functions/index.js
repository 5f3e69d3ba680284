export { onWithingsBackfillScheduled } from './onWithingsBackfillScheduled.js';
