/**
 * A connector whose three routes end three ways, and the receiver answers that make them: `ok`
 * is delivered, `flaky` gets a 503 on its first request (then 200s), `bad` gets a 400 and dies.
 * Its target URL comes from RECEIVER_URL; its single retry waits 5 s.
 */
import type { Responder } from './receiver.js';

export const MIXED_OUTCOMES_CONNECTOR = `
name: registry
target:
  url: \${env:RECEIVER_URL}
routes:
  - { name: ok, on: ok, path: /ok }
  - { name: flaky, on: flaky, path: /flaky }
  - { name: bad, on: bad, path: /bad }
retry:
  schedule: [5s]
`;

export function mixedOutcomes(): Responder {
  let flaky = 0;
  return (request) => (request.url === '/bad' ? 400 : request.url === '/flaky' && flaky++ === 0 ? 503 : 200);
}
