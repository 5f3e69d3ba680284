// Cloud Run entry point (not started by the tests): reads the invoker configuration once and
// logs it (sizes only, never the values) so the runtime wiring is visible in the logs.
import { invokerConfig } from './auth/invoker.js';
import { makeLogger } from './log.js';

export function startupLine(env) {
  const config = invokerConfig(env);
  return {
    message: 'server_listening',
    port: Number(env.PORT || 8080),
    revision: env.K_REVISION || 'local',
    invokerAudience: config.audience,
    emailsAllowlisted: config.emails.length,
    subsAllowlisted: config.subs.length,
  };
}

export function main(env) {
  makeLogger().info(startupLine(env));
}
