import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../engine/logger.js';

/** A real pino logger whose JSON lines are kept in memory, for asserting on what is logged. */
export function captureLogger(level = 'debug'): { logger: Logger; lines(): Record<string, unknown>[]; text(): string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () => text().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
