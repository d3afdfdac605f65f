import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ar } from '../../web/src/i18n/ar.ts';
import { en } from '../../web/src/i18n/en.ts';
import { es } from '../../web/src/i18n/es.ts';
import { zh } from '../../web/src/i18n/zh.ts';

const LANGUAGES = { en, es, 'zh-CN': zh, ar } as Record<string, unknown>;
const WEB_SRC = join(import.meta.dirname, '../../web/src');
const WIDGET = join(import.meta.dirname, '../../web/widget/openib-widget.js');

/** Every leaf key of a message tree, dotted ("earnings.group.month"), with its text. */
function leaves(tree: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name): string[] => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'i18n' ? [] : sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const reference = leaves(en);
const NAMESPACES = Object.keys(en).join('|');
/** Keys written in the app's code: any string literal of the form "<namespace>.<key>" (t('…') calls and label tables). */
const KEY_LITERAL = new RegExp(`['"\`]((?:${NAMESPACES})\\.[A-Za-z0-9_.]+)['"\`]`, 'g');

describe('portal messages', () => {
  for (const [code, messages] of Object.entries(LANGUAGES)) {
    it(`${code} has every key of English and no other, with the same placeholders, none empty`, () => {
      const keys = leaves(messages);
      expect([...reference.keys()].filter((k) => !keys.has(k)), 'missing keys').toEqual([]);
      expect([...keys.keys()].filter((k) => !reference.has(k)), 'keys English does not have').toEqual([]);
      for (const [key, text] of keys) {
        expect(text.trim(), key).not.toBe('');
        expect(placeholders(text, /\{\{(\w+)\}\}/g), key).toEqual(placeholders(reference.get(key)!, /\{\{(\w+)\}\}/g));
      }
    });
  }

  it('every key the code uses exists', () => {
    const used = new Map<string, string>();
    for (const file of sources(WEB_SRC)) for (const m of readFileSync(file, 'utf8').matchAll(KEY_LITERAL)) used.set(m[1]!, file);
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter(([key]) => !reference.has(key)).map(([key, file]) => `${key} (${file.slice(WEB_SRC.length + 1)})`)).toEqual([]);
  });
});

describe('widget messages', () => {
  const source = readFileSync(WIDGET, 'utf8');
  const block = /\/\* i18n:start \*\/\s*const MESSAGES = ([\s\S]*?);\s*\/\* i18n:end \*\//.exec(source);
  const messages = JSON.parse(block![1]!) as Record<string, Record<string, string>>;
  const english = messages.en!;

  it('speaks the portal languages', () => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(LANGUAGES).sort());
  });

  for (const code of Object.keys(LANGUAGES)) {
    it(`${code} has every key of English and no other, with the same placeholders`, () => {
      const own = messages[code]!;
      expect(Object.keys(english).filter((k) => !(k in own)), 'missing keys').toEqual([]);
      expect(Object.keys(own).filter((k) => !(k in english)), 'keys English does not have').toEqual([]);
      for (const [key, text] of Object.entries(own)) {
        expect(text.trim(), key).not.toBe('');
        expect(placeholders(text, /\{(\w+)\}/g), key).toEqual(placeholders(english[key]!, /\{(\w+)\}/g));
      }
    });
  }

  it('every key the widget uses exists (metrics are keys too)', () => {
    const used = [...source.matchAll(/this\._t\('(\w+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((k) => !(k in english))).toEqual([]);
    for (const metric of ['clicks', 'registrations', 'ftd_count', 'net_deposits', 'lots', 'commission_approved']) expect(english).toHaveProperty(metric);
  });
});
