/**
 * The literal-secret lint of `validate` for source files (see literal-secrets.ts for connectors):
 * a credential written into the file instead of `${env:NAME}` or `${file:PATH}`. Checked: every
 * `nats.auth` value but `user`, and every URL holding a password (`nats.servers` items,
 * `amqp.url`, `postgres-outbox.url`), unless the value holds a reference. Never quotes the value.
 */
import { isScalar, isSeq, type Document } from 'yaml';
import { envNameFor, isLiteralSecret, stringEntries } from '../interpolate/literal-secrets.js';
import { at } from '../problems/data-path.js';
import type { LocatedProblem } from '../problems/located-problem.js';
import type { DataPath, YamlLocator } from '../problems/yaml-locator.js';

const REFERENCE = /\$\{(env|file):/;
/** `scheme://user:password@` at the start of a URL. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:[^/?#@]+@/i;
/** `nats.auth` fields holding a credential, and the word a suggested variable name ends in. */
const NATS_CREDENTIALS: Readonly<Record<string, string>> = { token: 'TOKEN', password: 'PASSWORD', nkey: 'NKEY_SEED', creds: 'CREDS' };

export function sourceLiteralSecretProblems(doc: Document, locator: YamlLocator): LocatedProblem[] {
  const written = doc.get('name');
  const name = typeof written === 'string' ? written : '';
  const problems: LocatedProblem[] = [];
  const report = (path: DataPath, what: string, fix: string): void => {
    problems.push({
      path,
      position: locator.value(path),
      code: 'CONFIG_LITERAL_SECRET',
      message: at(path, `${what}; source files are committed, so move it to an environment variable or a secret file: ${fix}`),
    });
  };
  const checkUrl = (path: DataPath, value: unknown, word: string): void => {
    if (typeof value !== 'string' || REFERENCE.test(value) || !URL_WITH_PASSWORD.test(value.trim())) return;
    report(path, 'holds a password written into the URL', `\${env:${envNameFor(name, word)}}`);
  };

  for (const [field, value] of stringEntries(doc.getIn(['nats', 'auth'], true))) {
    const word = NATS_CREDENTIALS[field];
    if (word !== undefined && isLiteralSecret(value)) report(['nats', 'auth', field], 'looks like a literal credential', `${field}: \${env:${envNameFor(name, word)}}`);
  }
  const servers = doc.getIn(['nats', 'servers'], true);
  if (isSeq(servers)) servers.items.forEach((item, index) => checkUrl(['nats', 'servers', index], isScalar(item) ? item.value : undefined, 'NATS_URL'));
  checkUrl(['amqp', 'url'], doc.getIn(['amqp', 'url']), 'AMQP_URL');
  checkUrl(['postgres-outbox', 'url'], doc.getIn(['postgres-outbox', 'url']), 'DATABASE_URL');
  return problems;
}
