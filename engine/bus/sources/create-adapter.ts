/**
 * The adapter for a source's type (see source-adapter.ts), one per connection. Each type's client
 * library is loaded the first time a source of that type connects, so an engine without sources
 * (or with one type only) does not load the others.
 */
import type { CompiledSource } from '../../config/sources/compiled-source.js';
import type { SourceAdapter } from './source-adapter.js';

export async function createAdapter(source: CompiledSource): Promise<SourceAdapter> {
  switch (source.type) {
    case 'nats':
      return (await import('./nats.js')).createNatsAdapter(source);
    case 'amqp':
      return (await import('./amqp.js')).createAmqpAdapter(source);
    case 'postgres-outbox':
      return (await import('./postgres-outbox.js')).createOutboxAdapter(source);
  }
}
