/** package.json's promises to an operator: script names, what npm start runs, the license, what git ignores. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/proof.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  scripts: Record<string, string>;
  engines: { node: string };
};

describe('package.json and the repository', () => {
  it('npm start runs the build with node; npm run dev the TypeScript; prepare builds', () => {
    assert.match(pkg.scripts.start!, /^node (--[\w-]+(=\S+)? )*dist\/main\.js$/);
    assert.match(pkg.scripts.dev!, /^node (--[\w-]+(=\S+)? )*src\/main\.ts$/);
    assert.equal(pkg.scripts.build, 'node scripts/build.mjs');
    assert.equal(pkg.scripts.prepare, pkg.scripts.build);
    assert.equal(pkg.engines.node, '>=22.18');
  });

  it('the audit CLI is npm run audit-log (npm audit is npm’s security audit): no `audit` script', () => {
    assert.equal(pkg.scripts.audit, undefined);
    assert.equal(pkg.scripts['audit-log'], 'node src/cli/audit.ts');
    assert.doesNotMatch(readFileSync(join(ROOT, 'README.md'), 'utf8'), /npm run audit(?!-log)/);
  });

  it('MIT license, in package.json and LICENSE', () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License[\s\S]*chime-account contributors/);
  });

  it('git ignores the build, local settings and data', () => {
    for (const path of ['dist/main.js', '.env', 'policy.yml', 'data/chime-account.db']) {
      const out = execFileSync('git', ['check-ignore', '--no-index', path], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(out.trim(), path);
    }
  });
});
