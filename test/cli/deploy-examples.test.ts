import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { systemClock } from '../../engine/clock.js';
import { createEngineMetrics } from '../../engine/metrics/engine-metrics.js';
import { scrapeSources } from '../helpers/metrics-sources.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('the Kubernetes example mounts what the image reads and ships every example connector', async () => {
  const dir = join(REPO, 'deploy', 'kubernetes');
  for (const file of await readdir(dir)) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) assert.deepEqual(doc.errors, [], file);
  }
  const kustomization = parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { files: string[] }[] };
  const shipped = kustomization.configMapGenerator[0]!.files.map((f) => f.split('/').pop()).sort();
  const examples = (await readdir(join(REPO, 'connectors.d'))).filter((f) => /^[^.].*(?<!\.test)\.ya?ml$/.test(f)).sort();
  assert.deepEqual(shipped, examples);

  const deployment = parse(await readFile(join(dir, 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { volumeMounts: { mountPath: string }[]; envFrom: { secretRef: { name: string } }[] }[] } } };
  };
  const container = deployment.spec.template.spec.containers[0]! as (typeof deployment.spec.template.spec.containers)[0] & {
    readinessProbe: { httpGet: { path: string } };
    livenessProbe: { httpGet: { path: string } };
  };
  assert.equal(container.readinessProbe.httpGet.path, '/readyz', 'no events for a pod whose store cannot write');
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
  for (const { mountPath } of container.volumeMounts) assert.ok(dockerfile.includes(mountPath), `${mountPath} is where the image looks`);
  const secret = parse(await readFile(join(dir, 'secret.yaml'), 'utf8')) as { metadata: { name: string }; stringData: Record<string, string> };
  assert.equal(container.envFrom[0]!.secretRef.name, secret.metadata.name);
  assert.ok('HMS_SYNC_API_TOKEN' in secret.stringData, 'the image listens on 0.0.0.0, which needs a token');
  assert.ok('HMS_SYNC_METRICS_TOKEN' in secret.stringData, 'a scraper gets a token of its own');
});

test('the Prometheus alert rules pass promtool check rules and their unit tests, and use only metrics the engine exports', async () => {
  const dir = join(REPO, 'deploy', 'prometheus');
  for (const args of [['check', 'rules', 'hms-sync-rules.yml'], ['test', 'rules', 'hms-sync-rules.test.yml']]) {
    const promtool = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
    assert.equal(promtool.error, undefined, 'promtool is installed (Debian package prometheus; .ci/run installs it)');
    assert.equal(promtool.status, 0, `promtool ${args.join(' ')}:\n${promtool.stdout}${promtool.stderr}`);
  }
  const { text } = await createEngineMetrics({ clock: systemClock, sources: scrapeSources(), version: '0.0.0', processMetrics: false }).scrape();
  const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]));
  const rules = parse(await readFile(join(dir, 'hms-sync-rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const used = rules.groups.flatMap((group) => group.rules.flatMap((rule) => [...rule.expr.matchAll(/\bhms_sync_\w+/g)].map((match) => `${rule.alert}: ${match[0]}`)));
  assert.ok(used.length >= 8);
  assert.deepEqual(used.filter((use) => !exported.has(use.split(': ')[1]!)), []);
});

test('the CI workflow example validates, tests and posts the diff', async () => {
  const workflow = parse(await readFile(join(REPO, 'deploy', 'ci', 'connectors-pr.yml'), 'utf8')) as { jobs: { check: { steps: { run?: string }[] } } };
  const runs = workflow.jobs.check.steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /validate --format github/);
  assert.match(runs, / test /);
  assert.match(runs, /diff --base/);
});
