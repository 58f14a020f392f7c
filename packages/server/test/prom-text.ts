/**
 * A parser for the Prometheus text exposition format (0.0.4), strict enough to catch a malformed
 * `/metrics` answer: every sample must belong to a family declared by `# TYPE`, label values must be
 * properly quoted and escaped, and values must be numbers (or `+Inf`, `-Inf`, `NaN`, in any case).
 */

/** One sample line: `name{labels} value`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric family: its type, help and samples (a histogram's `_bucket`, `_sum` and `_count` included). */
export interface PromFamily {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/** Parses a whole exposition; throws naming the line for anything malformed. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily & { help: string }>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${raw}`);
    };
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, kind, name = '', rest = ''] = m;
      if (!NAME.test(name)) fail('bad metric name');
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) fail('bad type');
        (family as { type: string }).type = rest;
      } else {
        family.help = rest;
      }
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(families, sample.name) ?? fail('sample of an undeclared family');
    family.samples.push(sample);
  });
  return families;
}

function familyOf(families: Map<string, PromFamily>, name: string): PromFamily | undefined {
  const exact = families.get(name);
  if (exact) return exact;
  for (const suffix of SUFFIXES) {
    if (name.endsWith(suffix)) {
      const family = families.get(name.slice(0, -suffix.length));
      if (family) return family;
    }
  }
  return undefined;
}

function parseSample(line: string, fail: (why: string) => never): PromSample {
  const nameEnd = line.search(/[{\s]/);
  if (nameEnd <= 0) fail('no value');
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) fail('bad sample name');
  const labels: Record<string, string> = {};
  let pos = nameEnd;
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const eq = line.indexOf('=', pos);
      if (eq < 0) fail('unterminated labels');
      const label = line.slice(pos, eq).trim();
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) fail('bad label name');
      if (line[eq + 1] !== '"') fail('label value not quoted');
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') {
          const next = line[++j];
          value += next === 'n' ? '\n' : next === '\\' || next === '"' ? next : fail('bad escape');
        } else value += line[j];
      }
      if (j >= line.length) fail('unterminated label value');
      labels[label] = value;
      pos = j + 1;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') fail('expected , or }');
    }
    pos++;
  }
  const [valueText, timestamp, extra] = line.slice(pos).trim().split(/\s+/);
  if (valueText === undefined || extra !== undefined) fail('expected a value and an optional timestamp');
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) fail('bad timestamp');
  // Values are read as Go's strconv.ParseFloat reads them (Prometheus's parser): NaN and Inf in any case.
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity };
  const lower = valueText.toLowerCase();
  const value = lower in special ? special[lower]! : Number(valueText);
  if (Number.isNaN(value) && lower !== 'nan') fail('value is not a number');
  return { name, labels, value };
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const family = familyOf(families, name);
  const hits = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}
