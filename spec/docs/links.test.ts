import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';

/**
 * Every relative link of README.md and docs/*.md names a file of the repository and, with a
 * `#anchor`, a heading of that file (GitHub's slug: lower case, punctuation dropped, spaces to
 * dashes) or an `<a id>`. docs/performance.md and docs/operations.md are written apart.
 */

const ROOT = resolve(__dirname, '../..');
const WRITTEN_APART = new Set(['docs/performance.md', 'docs/operations.md']);
const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** Markdown outside fenced blocks. */
function prose(path: string): string[] {
  let fenced = false;
  return readFileSync(join(ROOT, path), 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trimStart().startsWith('```')) fenced = !fenced;
      return !fenced && !line.trimStart().startsWith('```');
    });
}

function anchorsOf(path: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of prose(path)) {
    const heading = /^#+ (.*)$/.exec(line);
    if (heading) anchors.add(heading[1].trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
    for (const [, id] of line.matchAll(/<a id="([^"]+)"/g)) anchors.add(id);
  }
  return anchors;
}

describe('documentation links', () => {
  const links = files.flatMap((file) =>
    prose(file).flatMap((line) =>
      [...line.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
        .map((m) => m[1])
        .filter((target) => !/^[a-z]+:/i.test(target))
        .map((target) => ({ file, target })),
    ),
  );

  it('should find the links between README.md and docs/', () => {
    expect(links.filter((l) => l.file === 'README.md' && l.target.startsWith('docs/')).length).toBeGreaterThanOrEqual(10);
  });

  it('should name files and headings that exist', () => {
    const broken = links.filter(({ file, target }) => {
      const [path, anchor] = target.split('#');
      const to = path === '' ? file : normalize(join(dirname(file), path));
      if (WRITTEN_APART.has(to)) return false;
      if (!existsSync(join(ROOT, to))) return true;
      return anchor !== undefined && to.endsWith('.md') && !anchorsOf(to).has(anchor);
    });
    expect(broken).toEqual([]);
  });
});
