/**
 * The engine's logger: pino JSON lines. Header values and env-interpolated values never reach it
 * (errors are redacted before they are logged); the redact paths below are a second fence for
 * anything that carries request headers.
 */
import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** Where lines go; default stdout, written asynchronously (see stdoutDestination). */
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
    options.destination ?? stdoutDestination(),
  );
}

/**
 * Stdout, written asynchronously, whose failure never stops the engine. When stdout cannot be
 * written (a redirect to a full disk: ENOSPC, EFBIG, EIO), pino re-throws the stream's error, and
 * at exit sonic-boom retries its buffer forever for any error but EAGAIN: the engine hung, API and
 * deliveries included. So on the first failed write logging stops, as pino itself does on EPIPE,
 * and stderr gets one line saying so; deliveries and the API go on.
 */
function stdoutDestination(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false });
  stream.once('error', (error: NodeJS.ErrnoException) => {
    stream.write = () => true;
    stream.flushSync = () => undefined;
    stream.end = () => undefined;
    try {
      writeSync(2, `hms-sync: logging stopped: stdout cannot be written (${error.code ?? error.message}); the engine keeps running\n`);
    } catch {
      // stderr may be on the same broken disk; nothing is left to tell.
    }
  });
  // Later errors of the same stream are already handled by the above.
  stream.on('error', () => undefined);
  return stream;
}
