/** The adapter for a source's type (see source-adapter.ts), one per connection. */
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import { createAmqpAdapter } from './amqp.js';
import { createNatsAdapter } from './nats.js';
import { createOutboxAdapter } from './postgres-outbox.js';
import type { SourceAdapter } from './source-adapter.js';

export function createAdapter(source: CompiledSource): SourceAdapter {
  switch (source.type) {
    case 'nats':
      return createNatsAdapter(source);
    case 'amqp':
      return createAmqpAdapter(source);
    case 'postgres-outbox':
      return createOutboxAdapter(source);
  }
}
