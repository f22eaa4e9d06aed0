import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { connectorDir } from '../config/connector-dir.js';
import { runProcess } from '../helpers/run-process.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** kubectl (with its built-in kustomize) renders the example without a cluster; without it the render test skips. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

test('the Kubernetes example mounts what the image reads, from a Secret the image needs', async () => {
  const dir = join(REPO, 'deploy', 'kubernetes');
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) assert.deepEqual(doc.errors, [], file);
  }
  const deployment = parse(await readFile(join(dir, 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { volumeMounts: { mountPath: string }[]; envFrom: { secretRef: { name: string } }[] }[] } } };
  };
  const container = deployment.spec.template.spec.containers[0]!;
  const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
  for (const { mountPath } of container.volumeMounts) assert.ok(dockerfile.includes(mountPath), `${mountPath} is where the image looks`);
  const secret = parse(await readFile(join(dir, 'secret.yaml'), 'utf8')) as { metadata: { name: string }; stringData: Record<string, string> };
  assert.equal(container.envFrom[0]!.secretRef.name, secret.metadata.name);
  assert.ok('HMS_SYNC_API_TOKEN' in secret.stringData, 'the image listens on 0.0.0.0, which needs a token');
});

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  spec?: { template: { spec: { volumes: { name: string; configMap?: { name: string } }[] } } };
}

test('render.sh puts every file of the connectors folder in the ConfigMap the Deployment mounts, a new one with no list to edit', { skip: !kubectl && 'kubectl is not installed' }, async (t) => {
  const connectors = await connectorDir(t, { 'inspections.yaml': 'name: inspections\ntarget: { url: http://127.0.0.1:9004 }\nroutes: [{ on: permitApproved }]\n' });
  await cp(join(REPO, 'connectors.d'), connectors, { recursive: true });
  const rendered = await runProcess('sh', [join(REPO, 'deploy', 'kubernetes', 'render.sh'), connectors]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const manifests = parseAllDocuments(rendered.stdout).map((doc) => doc.toJS() as Manifest);
  const configMaps = manifests.filter((m) => m.kind === 'ConfigMap');
  assert.equal(configMaps.length, 1);
  const [configMap] = configMaps;
  const files = (await readdir(connectors)).sort();
  assert.ok(files.includes('inspections.yaml') && files.includes('scheduling.yaml'));
  assert.deepEqual(Object.keys(configMap!.data!).sort(), files);
  assert.equal(configMap!.data!['inspections.yaml'], await readFile(join(connectors, 'inspections.yaml'), 'utf8'));

  const deployment = manifests.find((m) => m.kind === 'Deployment')!;
  assert.equal(deployment.metadata.namespace, configMap!.metadata.namespace);
  const volume = deployment.spec!.template.spec.volumes.find((v) => v.name === 'connectors')!;
  assert.equal(volume.configMap!.name, configMap!.metadata.name);
});

test('the CI workflow example validates, tests and posts the diff', async () => {
  const workflow = parse(await readFile(join(REPO, 'deploy', 'ci', 'connectors-pr.yml'), 'utf8')) as { jobs: { check: { steps: { run?: string }[] } } };
  const runs = workflow.jobs.check.steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /validate --format github/);
  assert.match(runs, / test /);
  assert.match(runs, /diff --base/);
});
