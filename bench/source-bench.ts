/**
 * `npm run bench -- --sources`: the source scenarios only (scenario-source.ts), one per broker,
 * each against the raw consume-and-ack rate of the same broker measured in the same run. Targets
 * are reported, never asserted: JetStream stored / raw ≥ TARGET_MIN_SOURCE_RATIO.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchOptions } from './bench-options.js';
import { startCountingReceiver } from './counting-receiver.js';
import type { MachineInfo } from './machine-info.js';
import { runSourceScenario, type SourceScenarioResult } from './scenario-source.js';
import { startNatsBroker, startOutboxBroker, startRabbitBroker, type SourceBroker } from './source-brokers.js';

/** JetStream: events stored per second through the engine, as a share of the raw consume-and-ack loop. */
export const TARGET_MIN_SOURCE_RATIO = 0.5;

const BROKERS: readonly { readonly name: string; start(): Promise<SourceBroker> }[] = [
  { name: 'NATS JetStream', start: startNatsBroker },
  { name: 'RabbitMQ', start: startRabbitBroker },
  { name: 'PostgreSQL outbox', start: startOutboxBroker },
];

export async function runSourceBench(options: BenchOptions, header: { command: string; machine: MachineInfo }, resultsPath: string, log: (line: string) => void): Promise<void> {
  const receiver = await startCountingReceiver();
  const results: (SourceScenarioResult | { broker: string; firstError: string })[] = [];
  try {
    for (const broker of BROKERS) {
      log(`source scenario: ${broker.name}, ${options.events.toLocaleString('en-US')} events`);
      try {
        results.push(await runSourceScenario(await broker.start(), receiver, options, log));
      } catch (error) {
        results.push({ broker: broker.name, firstError: error instanceof Error ? error.message : String(error) });
        log(`    failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await receiver.close();
  }
  process.stdout.write(formatSourceReport(results, options, header));
  await mkdir(dirname(resultsPath), { recursive: true });
  await writeFile(resultsPath, `${JSON.stringify({ ...header, options, results }, null, 2)}\n`);
}

function formatSourceReport(results: readonly (SourceScenarioResult | { broker: string; firstError: string })[], options: BenchOptions, header: { command: string; machine: MachineInfo }): string {
  const rate = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${Math.round(value).toLocaleString('en-US')} ev/s`);
  const us = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : `${value.toFixed(1)} µs`);
  const lines = [
    '',
    `hms-sync source bench: ${options.events.toLocaleString('en-US')} events per broker, filled before reading; maxInFlight 256`,
    `command: ${header.command}`,
    `machine: nproc ${header.machine.nproc}, ${header.machine.cpuModel}, node ${header.machine.node}; load average ${header.machine.loadAverageAtStart} before the run`,
    '',
  ];
  for (const result of results) {
    lines.push(`  ${result.broker}`);
    if (!('events' in result)) {
      lines.push(`    failed: ${result.firstError}`, '');
      continue;
    }
    const target = result.broker === 'NATS JetStream' ? `   target >= ${TARGET_MIN_SOURCE_RATIO}: ${result.ratio === null ? 'n/a' : result.ratio >= TARGET_MIN_SOURCE_RATIO ? 'PASS' : 'MISS'}` : '';
    lines.push(
      `    raw consume-and-ack loop (no storing)   ${rate(result.rawEventsPerSecond).padStart(12)}   CPU ${us(result.rawCpuUs)} per event`,
      `    engine: stored and acknowledged          ${rate(result.storedEventsPerSecond).padStart(12)}   ratio ${result.ratio === null ? 'n/a' : result.ratio.toFixed(2)}${target}`,
      `    engine: delivered to the receiver        ${rate(result.deliveredEventsPerSecond).padStart(12)}   engine CPU ${us(result.engineCpuUs)} per event (store, map, deliver)`,
      ...(result.firstError === null ? [] : [`    ! ${result.firstError}`]),
      '',
    );
  }
  lines.push('Figures are reported, never asserted. JSON: .bench/last-sources.json', '');
  return lines.join('\n');
}
