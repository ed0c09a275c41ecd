import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SETTINGS } from '../server/config/index.js';

const root = path.resolve(import.meta.dirname, '..');

describe('README', () => {
  it('documents every configuration setting the server reads', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    // NODE_ENV is only a fallback for KUAIDAI_ENV.
    const missing = CONFIG_SETTINGS.filter((s) => s !== 'NODE_ENV' && !readme.includes(`\`${s}\``));
    expect(missing).toEqual([]);
  });

  it('shows the two commands and the test command CI runs', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(await readFile(path.join(root, '.ci', 'run'), 'utf8')).toContain('npm test');
  });
});
