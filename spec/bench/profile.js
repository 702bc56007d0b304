'use strict';
/**
 * `node spec/bench/profile.js <file.cpuprofile> [--top=n] [--requests=n]`: the functions that cost
 * most in a profile written by `node --cpu-prof` (run.js --profile=dir prints the command), by self
 * time and by total time (self plus callees), as a share of the profile's busy time (idle and GC
 * listed apart) and, given the number of requests the profile covers, in µs per request.
 */
const fs = require('node:fs');
const path = require('node:path');

function summarize(file, { top = 25, requests } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Sample i lasted timeDeltas[i + 1] microseconds (the deltas are to the previous sample).
  const selfTime = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + dt);
  }

  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.replace(/^file:\/\//, '').split(`${path.sep}node_modules${path.sep}`).pop().replace(process.cwd() + path.sep, '')}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'} ${where}`.trim();
  };

  const self = new Map();
  const total = new Map();
  let busy = 0;
  const special = { '(idle)': 0, '(garbage collector)': 0, '(program)': 0 };
  for (const [id, time] of selfTime) {
    const node = nodes.get(id);
    const name = node.callFrame.functionName;
    if (name in special) {
      special[name] += time;
      if (name !== '(idle)') busy += time;
      continue;
    }
    busy += time;
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + time);
    // Count each function once per sample even when it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = label(nodes.get(at));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + time);
    }
  }

  const pct = (t) =>
    `${((100 * t) / busy).toFixed(1).padStart(5)}%${requests ? `  ${(t / requests).toFixed(2).padStart(7)} µs/req` : ''}`;
  const list = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${pct(t)}  ${k}`)
      .join('\n');
  return [
    `${path.basename(file)}: busy ${(busy / 1000).toFixed(0)} ms${requests ? ` for ${requests} requests` : ''}, idle ${(special['(idle)'] / 1000).toFixed(0)} ms, ` +
      `GC ${pct(special['(garbage collector)']).trim()}, program ${pct(special['(program)']).trim()}`,
    '',
    'self time',
    list(self),
    '',
    'total time',
    list(new Map([...total].filter(([k]) => !k.startsWith('(root)')))),
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const flag = (name) => {
    const arg = args.find((a) => a.startsWith(`--${name}=`));
    return arg === undefined ? undefined : Number(arg.slice(name.length + 3));
  };
  if (!file) {
    console.error('usage: node spec/bench/profile.js <file.cpuprofile> [--top=n] [--requests=n]');
    process.exit(2);
  }
  console.log(summarize(file, { top: flag('top'), requests: flag('requests') }));
}

module.exports = { summarize };
