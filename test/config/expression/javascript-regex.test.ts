/**
 * Regexes in connector expressions run on RE2 but must mean what they mean in JavaScript: every
 * test here runs the same expression over the same input in our engine and in jsonata with
 * JavaScript's RegExp, and compares every match (text, index, groups).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonata from 'jsonata';
import { compileExpression, ExpressionSyntaxError } from '../../../engine/config/expression/expression.js';
import { loadConnectors } from '../../../engine/config/load/load-connectors.js';
import { connectorDir, lines } from '../connector-dir.js';

/** Plain JSON, so jsonata's sequence arrays compare as arrays. */
const plain = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** The value, or the message of the error (a regex matching the empty string fails in both). */
async function outcome(evaluate: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: plain(await evaluate()) };
  } catch (error) {
    return { error: (error as Error).message.replace(/^routes\[0\]\.map: /, '') };
  }
}

/** Every match of `regex` (a JSONata regex literal) in each text, ours against JavaScript's. */
async function assertSameMatches(regex: string, texts: readonly string[]): Promise<void> {
  const source = `$match(text, ${regex})`;
  const native = jsonata(source);
  const ours = compileExpression(source, 'routes[0].map');
  for (const text of texts) {
    const expected = await outcome(() => native.evaluate({ text }));
    assert.deepEqual(await outcome(() => ours.evaluate({ text })), expected, `${regex} on ${JSON.stringify(text)}`);
  }
}

const TERMINATORS = 'a\nb a\rb a\u2028b a\u2029b a\r\nb';

describe('regexes mean what JavaScript means', () => {
  test('. matches no line terminator: not \\n, \\r, U+2028 or U+2029', async () => {
    await assertSameMatches('/a.b/', [TERMINATORS, 'axb a\tb']);
    await assertSameMatches('/a.*/', [TERMINATORS]);
    await assertSameMatches('/a[^x]b/', [TERMINATORS], /* a negated class does match them, in both */);
  });

  test('^ and $ under m start and end lines at all four line terminators', async () => {
    const text = 'one\rtwo\u2028three\u2029four\r\nfive\nsix';
    await assertSameMatches('/^\\w+$/m', [text, 'only', '', '\r\r']);
    await assertSameMatches('/^\\w/m', [text]);
    await assertSameMatches('/\\w+$/m', [text, 'trailing\r']);
    await assertSameMatches('/(t)(\\w*)$|^(f)\\w+$/m', [text]);
    await assertSameMatches('/^/m', ['a\rb']);
    await assertSameMatches('/^\\w+$/', [text, 'only']);
  });

  test('$replace and $split see the line ends JavaScript sees', async () => {
    const input = { text: 'k: v  \rnext:w \u2028last ' };
    for (const source of ['$replace(text, /\\s+$/m, "")', '$split(text, /:?\\s+$/m)', '$replace(text, /^(\\w+)/m, "<$1>")']) {
      assert.deepEqual(plain(await compileExpression(source, 'x').evaluate(input)), plain(await jsonata(source).evaluate(input)), source);
    }
  });

  test('/i folds case as JavaScript does: ſ is not s, the Kelvin sign is not k, ς is σ', async () => {
    const text = 'ſ s S K k K Å å Å ß ẞ ς σ Σ ϐ β µ μ Μ ǅ ǆ Ǆ İ i ı I ϴ θ ϑ Ω ω Ω';
    for (const regex of ['/s/i', '/k/i', '/å/i', '/ß/i', '/σ/i', '/β/i', '/µ/i', '/ǆ/i', '/i/i', '/θ/i', '/ω/i', '/[a-z]/i', '/[^a-z ]/i', '/[s-t]/i', '/\\w/i', '/\\W/i']) {
      await assertSameMatches(regex, [text]);
    }
    assert.equal(await compileExpression('$contains(text, /s/i)', 'x').evaluate({ text: 'ſ' }), false);
    assert.equal(await compileExpression('$contains(text, /k/i)', 'x').evaluate({ text: '\u212a' }), false);
  });

  test('\\p without the u flag is the letter p, as JavaScript reads it', async () => {
    await assertSameMatches('/\\p{L}/', ['p{L} and é', 'pL']);
    await assertSameMatches('/\\P{Lu}+/i', ['p{lu} P{LU} É']);
    await assertSameMatches('/[\\p{L}]+/', ['{pL} é']);
  });

  test('\\s and \\S are JavaScript\'s sets, Unicode spaces and U+FEFF included', async () => {
    const text = 'a\u00a0b\u1680c\u2003d\u2028e\u202ff\u3000g\ufeffh\ti\vj\u180ek\u200bl';
    await assertSameMatches('/\\s/', [text]);
    await assertSameMatches('/\\S+/', [text]);
    await assertSameMatches('/[\\s,]+/', [`x,${text}`]);
    await assertSameMatches('/[^\\S\\n]+/', [text]);
  });

  test('Annex B syntax reads as JavaScript reads it', async () => {
    await assertSameMatches('/\\u{2}/', ['uu u{2}']);
    await assertSameMatches('/\\x4g\\x41/', ['x4gA']);
    await assertSameMatches('/\\cJ|\\c_/', ['\n \\c_']);
    await assertSameMatches('/\\101\\08|\\8/', ['A\u00008 8']);
    await assertSameMatches('/(a)\\2/', ['a\u0002']);
    await assertSameMatches('/\\k<x>/', ['k<x>']);
    await assertSameMatches('/[]a|[^]b/', ['ab \nb']);
    await assertSameMatches('/(?<word>\\w+) (\\w+)/', ['named groups count']);
    await assertSameMatches('/[\\b]/', ['a\bb']);
  });

  test('random patterns over random text match as JavaScript matches', async () => {
    let seed = 17;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
    const atoms = ['.', 'a', 's', 'k', 'S', '\\s', '\\S', '\\w', '[a-z]', '[^a\\n]', '\\n', '\\r', 'ſ', 'é', '\\p', '(a|s)', '(?:k.)'];
    const quantifiers = ['', '', '*', '+', '?', '{1,2}', '*?'];
    const alphabet = ['a', 's', 'S', 'k', 'K', '\u212a', 'ſ', 'é', 'É', 'p', '{', '\n', '\r', '\u2028', '\u2029', ' ', '\u00a0', '\ufeff'];
    for (let round = 0; round < 300; round++) {
      const body = Array.from({ length: 1 + random(4) }, () => pick(atoms) + pick(quantifiers)).join('');
      const anchored = `${pick(['', '^'])}${body}${pick(['', '$'])}`;
      const regex = `/${anchored}/${pick(['', 'i', 'm', 'im'])}`;
      const texts = Array.from({ length: 4 }, () => Array.from({ length: random(14) }, () => pick(alphabet)).join(''));
      await assertSameMatches(regex, texts);
    }
  });
});

describe('what RE2 cannot run as JavaScript does is refused at load', () => {
  test('a $ under m with more pattern after it is a syntax error at the $, saying what to do instead', () => {
    for (const [source, offset] of [['$match(x, /a$\\nb/m)', 12], ['$match(x, /(?:a$)+/m)', 15], ['$match(x, /a$|b$c/m)', 15]] as const) {
      assert.throws(() => compileExpression(source, 'routes[0].map'), (error: unknown) => {
        assert.ok(error instanceof ExpressionSyntaxError, source);
        assert.equal(error.offset, offset, source);
        assert.match(error.message, /cannot run on RE2 as JavaScript runs it: \$ with the m flag has more pattern after it.*end the regex with \$, or match the line end itself/);
        return true;
      });
    }
  });

  test('such a regex fails its connector at file:line:col of the $', async (t) => {
    const yaml = lines('name: lines', 'target: {url: "http://x"}', 'routes:', '  - on: a', '    map: |', '      { "first": $match(note, /^(\\w+)$\\n/m).groups[0] }');
    const dir = await connectorDir(t, { 'lines.yaml': yaml });
    const { problems } = await loadConnectors(dir, { env: {} });
    assert.deepEqual(problems.map((p) => [p.line, p.column, p.code]), [[6, 38, 'CONFIG_JSONATA_SYNTAX']]);
  });
});

test('a character with no case mapping is no other character\'s mapping (the /i translation relies on it)', () => {
  for (let unit = 0; unit < 0x1_0000; unit++) {
    const char = String.fromCharCode(unit);
    const upper = char.toUpperCase();
    if (upper.length !== 1 || upper === char) continue;
    if (unit >= 0x80 && upper.charCodeAt(0) < 0x80) continue; // JavaScript's /i does not fold these
    assert.ok(upper.toLowerCase() !== upper || upper.toUpperCase() !== upper, `U+${unit.toString(16)} folds onto caseless ${upper}`);
  }
});
