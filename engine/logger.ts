/**
 * The engine's logger: pino JSON lines. Header values and env-interpolated values never reach it
 * (errors are redacted before they are logged); the redact paths below are a second fence for
 * anything that carries request headers.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go; default stdout, written asynchronously. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: 'hms-sync',
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['headers', '*.headers', 'req.headers', 'request.headers', 'authorization'], censor: '[REDACTED]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
