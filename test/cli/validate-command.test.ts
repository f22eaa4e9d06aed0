import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { looksLikeLiteralSecret, envNameFor } from '../../engine/config/interpolate/literal-secrets.js';
import { escapeData, escapeProperty, githubAnnotation } from '../../engine/cli/github-annotation.js';
import { problemReport } from '../../engine/cli/problem-report.js';
import { connectorDir, lines, minimalConnector, repoPath } from '../config/connector-dir.js';
import { runCli } from '../helpers/engine-process.js';

/** Text report lines with the temp dir stripped, so expectations read `file:line:col message`. */
function reportLines(stdout: string, dir: string): string[] {
  return stdout.trimEnd().split('\n').map((line) => line.split(`${dir}/`).join(''));
}

describe('literal secret heuristic', () => {
  test('flags Bearer and Basic credentials under any header name', () => {
    assert.equal(looksLikeLiteralSecret('X-Whatever', 'Bearer abc123def456'), true);
    assert.equal(looksLikeLiteralSecret('X-Whatever', 'basic dXNlcjpwYXNz'), true);
  });

  test('flags long literal values under credential-like header names only', () => {
    for (const name of ['Authorization', 'X-Api-Key', 'X-Auth-Token', 'Client-Secret', 'Ocp-Apim-Subscription-Key']) {
      assert.equal(looksLikeLiteralSecret(name, 'abcd1234'), true, name);
    }
    assert.equal(looksLikeLiteralSecret('X-Api-Key', 'short'), false);
    assert.equal(looksLikeLiteralSecret('X-Trace-Id', 'a-long-literal-value'), false);
    assert.equal(looksLikeLiteralSecret('Accept', 'application/json'), false);
  });

  test('accepts any env or file reference, a literal default inside it included', () => {
    assert.equal(looksLikeLiteralSecret('Authorization', 'Bearer ${env:TOKEN}'), false);
    assert.equal(looksLikeLiteralSecret('Authorization', 'Bearer ${env:TOKEN:-dev-token-long-enough}'), false);
    assert.equal(looksLikeLiteralSecret('X-Api-Key', '${file:/run/secrets/key}'), false);
    assert.equal(looksLikeLiteralSecret('X-Forwarded-For', 'Bearer short'), false);
  });

  test('suggests a variable named after the connector and the header', () => {
    assert.equal(envNameFor('scheduling', 'Authorization'), 'SCHEDULING_TOKEN');
    assert.equal(envNameFor('permit-registry', 'X-Api-Key'), 'PERMIT_REGISTRY_API_KEY');
    assert.equal(envNameFor('', 'X-Api-Key'), 'API_KEY');
  });
});

describe('github annotations', () => {
  test('escape %, CR and LF in messages, and also : and , in properties', () => {
    assert.equal(escapeData('50% done\r\nnext: a,b'), '50%25 done%0D%0Anext: a,b');
    assert.equal(escapeProperty('C:\\dir\\a,b.yaml%'), 'C%3A\\dir\\a%2Cb.yaml%25');
  });

  test('leave out line and col for a problem with the whole file', () => {
    const problem = { file: 'a.yaml', line: 0, column: 0, code: 'CONFIG_READ', message: 'gone\nreally' };
    assert.equal(githubAnnotation(problem), '::error file=a.yaml,title=CONFIG_READ::gone%0Areally');
    assert.equal(githubAnnotation({ ...problem, line: 3, column: 7 }), '::error file=a.yaml,line=3,col=7,title=CONFIG_READ::gone%0Areally');
  });

  test('the summary counts problems and the files that have them, with singulars', () => {
    const problem = { file: 'a.yaml', line: 1, column: 1, code: 'CONFIG_SCHEMA', message: 'm' };
    assert.equal(problemReport('text', [problem], { connectors: 0, files: 2 }), 'a.yaml:1:1 m\n1 problem in 1 file\n');
    assert.equal(problemReport('text', [], { connectors: 1, files: 1 }), 'ok: 1 connector in 1 file\n');
  });
});

describe('hms-sync validate (child process)', () => {
  test('the example connectors are clean: exit 0 and an ok summary', async () => {
    const result = await runCli(['validate', repoPath('connectors.d')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'ok: 3 connectors in 3 files\n');
  });

  test('reads HMS_SYNC_CONNECTORS when no path is given', async (t) => {
    const dir = await connectorDir(t, { 'one.yaml': minimalConnector('one'), 'two.yaml': minimalConnector('two') });
    const result = await runCli(['validate'], { HMS_SYNC_CONNECTORS: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'ok: 2 connectors in 2 files\n');
  });

  test('reports every kind of problem in every file at once, each at its line and column', async (t) => {
    const dir = await connectorDir(t, {
      'a-schema.yaml': lines(
        'name: alpha',
        'target:',
        '  url: http://127.0.0.1:9000',
        '  headers:',
        '    Authorization: Bearer abc123def456',
        '    X-Env: ${env:HMS_TEST_SURELY_UNSET}',
        'routes:',
        '  - on: permitApproved',
        '    methd: POST',
        '    when: "status = "',
      ),
      'b-dup.yaml': minimalConnector('alpha'),
      'c-syntax.yaml': lines('name: broken', 'target: [unclosed'),
      'd-ok.yaml': minimalConnector('delta'),
    });
    const result = await runCli(['validate', dir]);
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(reportLines(result.stdout, dir), [
      'a-schema.yaml:5:20 target.headers.Authorization: looks like a literal credential; connector files are committed, so move it to an environment variable: Authorization: Bearer ${env:ALPHA_TOKEN}',
      'a-schema.yaml:6:12 target.headers["X-Env"]: environment variable HMS_TEST_SURELY_UNSET is not set; set it, or give a default: ${env:HMS_TEST_SURELY_UNSET:-value}',
      'a-schema.yaml:9:5 routes[0].methd: unknown field "methd"; did you mean "method"?',
      'a-schema.yaml:10:19 routes[0].when: invalid JSONata: Unexpected end of expression',
      'b-dup.yaml:1:1 name: "alpha" is already used by a-schema.yaml; connector names must be unique, rename this one',
      'c-syntax.yaml:3:1 invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '6 problems in 3 files',
    ]);
  });

  test('--env-optional lets unset variables without defaults pass, even in the URL', async (t) => {
    const dir = await connectorDir(t, {
      'env.yaml': lines('name: env', 'target:', '  url: ${env:HMS_TEST_UNSET_URL}', '  headers:', '    Authorization: Bearer ${env:HMS_TEST_UNSET_TOKEN}', 'routes:', '  - on: x'),
    });
    const strict = await runCli(['validate', dir]);
    assert.equal(strict.code, 1);
    assert.deepEqual(reportLines(strict.stdout, dir).map((line) => line.split(' ')[0]), ['env.yaml:3:8', 'env.yaml:5:27', '2']);
    const optional = await runCli(['validate', '--env-optional', dir]);
    assert.equal(optional.code, 0, optional.stdout);
    assert.equal(optional.stdout, 'ok: 1 connector in 1 file\n');
  });

  test('--env-optional still reports a malformed literal URL', async (t) => {
    const dir = await connectorDir(t, { 'bad.yaml': lines('name: bad', 'target:', '  url: ftp://example.com', 'routes:', '  - on: x') });
    const result = await runCli(['validate', '--env-optional', dir]);
    assert.equal(result.code, 1);
    assert.match(reportLines(result.stdout, dir)[0] ?? '', /^bad\.yaml:3:8 target\.url: "ftp:\/\/example\.com" is not an http\(s\) URL/);
  });

  test('checks NAME.test.yaml beside a connector, and a test file with no connector', async (t) => {
    const dir = await connectorDir(t, {
      'sched.yaml': minimalConnector('sched'),
      'sched.test.yaml': lines('tests:', '  - name: books', '    event: { type: permitApproved }', '    expect:', '      - methd: POST', '  - name: no event', '    expect: []'),
      'orphan.test.yaml': lines('tests: []'),
    });
    const result = await runCli(['validate', dir]);
    assert.equal(result.code, 1);
    assert.deepEqual(reportLines(result.stdout, dir), [
      'orphan.test.yaml no connector file "orphan.yaml" beside this test file; a test file NAME.test.yaml tests the connector in NAME.yaml, rename it to match',
      'sched.test.yaml:5:9 tests[0].expect[0].methd: unknown field "methd"; did you mean "method"?',
      'sched.test.yaml:6:5 tests[1]: missing required field "event"',
      '3 problems in 2 files',
    ]);
    const named = await runCli(['validate', `${dir}/sched.test.yaml`]);
    assert.equal(named.code, 1);
    assert.match(named.stdout, /2 problems in 1 file\n$/);
  });

  test('--format github prints one escaped ::error per problem, then the summary', async (t) => {
    const dir = await connectorDir(t, { 'a,b.yaml': lines('name: ab', 'target:', '  url: http://x', 'routes:', '  - on: x', '    methd: GET') });
    const result = await runCli(['validate', '--format', 'github', dir]);
    assert.equal(result.code, 1);
    const file = `${dir}/a,b.yaml`.replace(/:/g, '%3A').replace(/,/g, '%2C');
    assert.equal(result.stdout, `::error file=${file},line=6,col=5,title=CONFIG_SCHEMA::routes[0].methd: unknown field "methd"; did you mean "method"?\n1 problem in 1 file\n`);
  });

  test('--format json prints the problems and a summary as one object', async (t) => {
    const dir = await connectorDir(t, { 'ok.yaml': minimalConnector('ok'), 'bad.yaml': lines('name: bad', 'target:', '  url: http://x', 'routes: []') });
    const result = await runCli(['validate', '--format', 'json', dir]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as { problems: Record<string, unknown>[]; summary: unknown };
    assert.deepEqual(report.summary, { connectors: 1, files: 2, problems: 1 });
    assert.equal(report.problems.length, 1);
    assert.deepEqual({ ...report.problems[0], message: undefined }, { file: `${dir}/bad.yaml`, line: 4, column: 9, code: 'CONFIG_SCHEMA', message: undefined });
  });

  test('a bad command line exits 2 with the usage', async () => {
    for (const args of [['--format', 'xml'], ['--nope'], ['--format']]) {
      const result = await runCli(['validate', ...args, repoPath('connectors.d')]);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /usage: hms-sync validate/);
      assert.equal(result.stdout, '');
    }
  });

  test('the output samples in docs/cli.md are what validate prints for the mistakes they describe', async (t) => {
    const docs = await readFile(repoPath('docs', 'cli.md'), 'utf8');
    const section = docs.slice(docs.indexOf('**Output formats**'), docs.indexOf('A CI step:'));
    const samples = [...section.matchAll(/^ {2}```\w*\n([\s\S]*?)^ {2}```$/gm)].map((m) => m[1]!.replace(/^ {2}/gm, ''));
    assert.equal(samples.length, 3, 'text, json and github samples');

    // The two mistakes the docs describe, made in a copy of the example connectors.
    const dir = await connectorDir(t, {});
    await cp(repoPath('connectors.d'), join(dir, 'connectors.d'), { recursive: true });
    const file = join(dir, 'connectors.d', 'scheduling.yaml');
    const text = (await readFile(file, 'utf8')).split('\n');
    assert.match(text[10]!, /^ {4}Authorization: Bearer \$\{env:SCHEDULING_TOKEN:-dev-token\}$/, 'line 11 of scheduling.yaml');
    assert.match(text[16]!, /^ {4}method: POST$/, 'line 17 of scheduling.yaml');
    text[10] = '    Authorization: Bearer 3f9a1c7e5b2d4f60';
    text[16] = '    methd: POST';
    await writeFile(file, text.join('\n'));

    const run = async (format: string) => {
      const result = await runCli(['validate', '--format', format, join(dir, 'connectors.d')]);
      assert.equal(result.code, 1, format);
      return result.stdout.split(`${dir}/`).join('');
    };
    assert.equal(await run('text'), samples[0]);
    assert.deepEqual(JSON.parse(await run('json')), JSON.parse(samples[1]!));
    assert.equal(await run('github'), samples[2]);
  });

  test("the README tour's connector loads as written beside the examples, with none of its variables set", async (t) => {
    const readme = await readFile(repoPath('README.md'), 'utf8');
    const tour = readme.slice(readme.indexOf('**4. Write a connector.**'));
    const connector = /^```yaml\n([\s\S]*?)^```$/m.exec(tour)![1]!;
    assert.match(connector, /^name: inspections$/m);
    const dir = await connectorDir(t, { 'inspections.yaml': connector });
    await cp(repoPath('connectors.d'), dir, { recursive: true });
    assert.deepEqual(Object.keys(process.env).filter((name) => name.startsWith('INSPECTIONS_')), [], 'the test runs with none of them set');
    const result = await runCli(['validate', dir]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stdout, 'ok: 4 connectors in 4 files\n');
  });
});
