// Structured logging: one JSON object per line on stdout (Cloud Run turns it into jsonPayload).
export function makeLogger(write = (line) => process.stdout.write(`${line}\n`)) {
  const emit = (severity) => (fields) => write(JSON.stringify({ severity, ...fields }));
  return { info: emit('INFO'), warn: emit('WARNING'), error: emit('ERROR') };
}

export function memoryLogger() {
  const lines = [];
  const logger = makeLogger((line) => lines.push(JSON.parse(line)));
  logger.lines = lines;
  return logger;
}
