import pino from 'pino';

export type Logger = pino.Logger;

/** Structured logs to stderr so `--json` output on stdout stays machine-readable. */
export function createLogger(level: string, name = 'yingzhi'): Logger {
  return pino({ name, level }, pino.destination(2));
}
