import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured logs to stderr so `--json` output on stdout stays machine-readable: JSON lines, or on a
 * terminal (YZ_LOG_FORMAT unset) one short human line each — time, level, message, then the fields.
 */
export function createLogger(level: string, name = 'yingzhi'): Logger {
  const human = process.env.YZ_LOG_FORMAT === 'pretty' || (process.env.YZ_LOG_FORMAT !== 'json' && process.stderr.isTTY === true);
  return pino({ name, level }, human ? humanStream() : pino.destination(2));
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/**
 * Why not pino-pretty: one more dependency (and a worker thread) for a dozen lines of formatting. Field
 * values are JSON-encoded, so a value from a document or a request cannot forge a line of its own.
 */
function humanStream(): { write(line: string): void } {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stderr.write(line);
        return;
      }
      const time = new Date(Number(rec.time)).toTimeString().slice(0, 8);
      const fields = Object.entries(rec)
        .filter(([k]) => !OMIT.has(k))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      process.stderr.write(`${time} ${LEVELS[Number(rec.level)] ?? rec.level} ${JSON.stringify(String(rec.msg ?? '')).slice(1, -1)}${fields ? `  ${fields}` : ''}\n`);
    },
  };
}
