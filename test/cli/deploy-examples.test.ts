import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { REPORT_MARKER } from '../../engine/cli/diff/diff-report.js';
import { connectorDir } from '../config/connector-dir.js';
import { CLI_PATH } from '../helpers/engine-process.js';
import { runProcess } from '../helpers/run-process.js';
import { systemClock } from '../../engine/clock.js';
import { createEngineMetrics } from '../../engine/metrics/engine-metrics.js';
import { scrapeSources } from '../helpers/metrics-sources.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** kubectl (with its built-in kustomize) renders the example without a cluster; without it the render test skips. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

test('the Kubernetes example mounts what the image reads, from a Secret the image needs', async () => {
  const dir = join(REPO, 'deploy', 'kubernetes', 'base');
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) assert.deepEqual(doc.errors, [], file);
  }
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

interface OverlayDeployment {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    replicas?: number;
    strategy?: { type: string };
    selector?: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        volumes: { name: string }[];
        containers: { env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]; volumeMounts: { mountPath: string }[]; readinessProbe: { httpGet: { path: string } } }[];
      };
    };
  };
  stringData?: Record<string, string>;
}

test('the PostgreSQL overlay renders 3 replicas with the store URL from a Secret, a PodDisruptionBudget and no volume', { skip: !kubectl && 'kubectl is not installed' }, async () => {
  const rendered = await runProcess('sh', [join(REPO, 'deploy', 'kubernetes', 'render.sh'), join(REPO, 'connectors.d'), join(REPO, 'deploy', 'kubernetes', 'postgres')]);
  assert.equal(rendered.code, 0, rendered.stderr);
  const manifests = parseAllDocuments(rendered.stdout).map((doc) => doc.toJS() as OverlayDeployment);
  assert.deepEqual(manifests.filter((m) => m.kind === 'PersistentVolumeClaim'), [], 'no claim: a replica keeps nothing it cannot lose');
  const deployment = manifests.find((m) => m.kind === 'Deployment')!;
  assert.equal(deployment.spec.replicas, 3);
  assert.equal(deployment.spec.strategy?.type, 'RollingUpdate');
  const pod = deployment.spec.template.spec;
  assert.deepEqual(pod.volumes.map((volume) => volume.name), ['connectors']);
  const [container] = pod.containers;
  assert.deepEqual(container!.volumeMounts.map((mount) => mount.mountPath), ['/etc/hms-sync/connectors.d']);
  assert.equal(container!.readinessProbe.httpGet.path, '/readyz');
  const store = container!.env.find((variable) => variable.name === 'HMS_SYNC_STORE')!;
  const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === store.valueFrom!.secretKeyRef.name)!;
  assert.match(secret.stringData![store.valueFrom!.secretKeyRef.key]!, /^postgres:\/\//);
  const budget = manifests.find((m) => m.kind === 'PodDisruptionBudget')!;
  assert.equal(budget.metadata.namespace, deployment.metadata.namespace);
  assert.deepEqual(budget.spec.selector!.matchLabels, deployment.spec.template.metadata.labels);
  assert.ok(manifests.some((m) => m.kind === 'ConfigMap' && m.metadata.name === 'hms-sync-connectors'), 'the connectors ConfigMap comes with it');
});

interface WorkflowStep {
  readonly name?: string;
  readonly run?: string;
  readonly with?: { script?: string };
}

interface FakeComment {
  readonly id: number;
  readonly body: string;
}

/** Runs a github-script `script` against a pull request with `comments`; returns the calls it made. */
async function runCommentScript(script: string, workspace: string, comments: FakeComment[]): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  const issues = {
    listComments: () => assert.fail('listed through paginate'),
    createComment: async (args: unknown) => void calls.push(['create', args]),
    updateComment: async (args: unknown) => void calls.push(['update', args]),
  };
  const github = { rest: { issues }, paginate: async (fn: unknown) => (fn === issues.listComments ? comments : assert.fail('unexpected list')) };
  const context = { repo: { owner: 'org', repo: 'connectors' }, issue: { number: 12 } };
  const fs = { readFileSync: (path: string, encoding: BufferEncoding) => readFileSync(join(workspace, path), encoding) };
  const require = (name: string) => (name === 'fs' ? fs : assert.fail(`unexpected require(${name})`));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction('require', 'github', 'context', script)(require, github, context);
  return calls;
}

test('the CI workflow example validates, tests and diffs a pull request, and posts or updates one comment', async (t) => {
  const workflow = parse(await readFile(join(REPO, 'deploy', 'ci', 'connectors-pr.yml'), 'utf8')) as { jobs: { check: { steps: WorkflowStep[] } } };
  const steps = workflow.jobs.check.steps;

  // A connectors repository whose pull request changes the scheduling payload, checked out as
  // actions/checkout leaves it (origin/main fetched), with `hms-sync` on PATH as in the image.
  const root = await connectorDir(t, { 'bin/hms-sync': `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n` });
  await chmod(join(root, 'bin', 'hms-sync'), 0o755);
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'pipe' });
  await cp(join(REPO, 'connectors.d'), join(root, 'origin', 'connectors.d'), { recursive: true });
  git(join(root, 'origin'), 'init', '-q', '-b', 'main');
  git(join(root, 'origin'), 'add', '-A');
  git(join(root, 'origin'), 'commit', '-q', '-m', 'connectors');
  git(root, 'clone', '-q', 'origin', 'workspace');
  const workspace = join(root, 'workspace');
  const scheduling = join(workspace, 'connectors.d', 'scheduling.yaml');
  await writeFile(scheduling, (await readFile(scheduling, 'utf8')).replace('"inspector": inspectorName', '"inspector": $uppercase(inspectorName)').replace('inspector: Lee }', 'inspector: LEE }'));

  const env = { PATH: `${join(root, 'bin')}:${process.env.PATH}`, HOME: root, GITHUB_WORKSPACE: workspace };
  for (const step of steps.filter((s) => s.run !== undefined)) {
    const command = step.run!.replaceAll('${{ github.base_ref }}', 'main');
    const result = await runProcess('bash', ['-e', '-c', command], { cwd: workspace, env });
    assert.equal(result.code, 0, `${step.name}: ${command}\n${result.stdout}${result.stderr}`);
  }
  const report = readFileSync(join(workspace, 'diff.md'), 'utf8');
  assert.ok(report.startsWith(`${REPORT_MARKER}\n`), report);
  assert.match(report, /### Changed: `scheduling`/);

  const script = steps.find((s) => s.with?.script !== undefined)!.with!.script!;
  assert.ok(script.includes(`'${REPORT_MARKER}'`), 'the script looks for the marker diff prints');
  const target = { owner: 'org', repo: 'connectors' };
  assert.deepEqual(await runCommentScript(script, workspace, [{ id: 3, body: 'LGTM' }]), [['create', { ...target, issue_number: 12, body: report }]]);
  const earlier = [{ id: 3, body: 'LGTM' }, { id: 7, body: `${REPORT_MARKER}\nan older report` }];
  assert.deepEqual(await runCommentScript(script, workspace, earlier), [['update', { ...target, comment_id: 7, body: report }]]);
  // With an engine's address, the step asks it (its flags are valid), and when the engine cannot
  // answer it still writes the report of the tests and samples, with a warning.
  const diffStep = steps.find((s) => s.name === 'Diff')!.run!.replaceAll('${{ github.base_ref }}', 'main');
  const withEngine = await runProcess('bash', ['-e', '-c', diffStep], { cwd: workspace, env: { ...env, HMS_SYNC_EVENTS_URL: 'http://127.0.0.1:1' } });
  assert.equal(withEngine.code, 0, withEngine.stderr);
  assert.match(withEngine.stderr, /^hms-sync: --events-from http:\/\/127\.0\.0\.1:1: GET \/deliveries\?\S+ could not be sent/);
  assert.match(withEngine.stdout, /^::warning::the engine's events could not be read/);
  assert.equal(readFileSync(join(workspace, 'diff.md'), 'utf8'), report);
});
