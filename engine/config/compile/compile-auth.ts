/**
 * `auth` → CompiledAuth plus the values that must be redacted: token, password, header value,
 * client secret, and the `user:password` base64 a Basic header carries (a redactor looking for
 * the password would not find it inside the encoding). A username or client id is an identifier,
 * not a secret: it is one only when it comes from `${env:...}` / `${file:...}` (as every such
 * value is), since redacting a literal `hms-sync` would garble every log line naming the product.
 * Messages never quote a credential.
 */
import type { CompiledAuth } from '../compiled.js';
import type { ConnectorAuth } from '../schema/connector-file.generated.js';
import type { DataPath } from '../problems/yaml-locator.js';

export interface AuthResult {
  readonly auth: CompiledAuth;
  readonly secrets: readonly string[];
}

/** `problem` reports at the value of a path; it skips values still holding a reference (env-optional loads). */
export function compileAuth(auth: ConnectorAuth, problem: (path: DataPath, message: string) => void): AuthResult {
  const headerValue = (field: string, value: string): void => {
    if (/[\r\n\0]/.test(value)) problem(['auth', field], 'holds a line break or NUL, which a header value cannot; if it comes from a file, keep the file to one line');
  };
  switch (auth.type) {
    case 'bearer':
      if (/^bearer\s/i.test(auth.token)) problem(['auth', 'token'], 'starts with "Bearer "; write the token alone, hms-sync adds the "Bearer " prefix');
      headerValue('token', auth.token);
      return { auth: { type: 'bearer', token: auth.token }, secrets: [auth.token] };
    case 'basic': {
      if (auth.username.includes(':')) problem(['auth', 'username'], 'must not contain ":" (Basic authentication joins username and password with it); check the value');
      const encoded = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
      return { auth: { type: 'basic', username: auth.username, password: auth.password }, secrets: [auth.password, encoded] };
    }
    case 'header':
      headerValue('value', auth.value);
      return { auth: { type: 'header', name: auth.name, value: auth.value }, secrets: [auth.value] };
    case 'oauth2':
      checkTokenUrl(auth.tokenUrl, (message) => problem(['auth', 'tokenUrl'], message));
      return {
        auth: {
          type: 'oauth2',
          tokenUrl: auth.tokenUrl,
          clientId: auth.clientId,
          clientSecret: auth.clientSecret,
          ...(auth.scope !== undefined && { scope: auth.scope }),
          ...(auth.audience !== undefined && { audience: auth.audience }),
        },
        secrets: [auth.clientSecret],
      };
  }
}

/** The token endpoint may have a query string (some providers need one), but never credentials. */
function checkTokenUrl(text: string, report: (message: string) => void): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report('is not a valid URL; write the token endpoint like https://login.example.com/oauth2/token');
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') report('must use http or https (e.g. https://login.example.com/oauth2/token)');
  else if (url.username !== '' || url.password !== '') report('must not contain credentials (URLs end up in logs); put the client secret in auth.clientSecret');
  else if (url.hash !== '') report('must not have a fragment; remove the "#..." part');
}
