// Stand-ins for firebase-functions/v2 trigger wrappers: the handler, tagged with its trigger type.
export function onSchedule(options, handler) {
  return Object.assign(handler, { __trigger: { type: 'schedule', schedule: options.schedule, timeZone: options.timeZone } });
}

export function onRequest(handler) {
  return Object.assign(handler, { __trigger: { type: 'https' } });
}

export function onCall(handler) {
  return Object.assign(handler, { __trigger: { type: 'callable' } });
}
