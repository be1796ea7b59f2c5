import { describe, expect, it } from 'vitest';

import { sql57Probe } from '../../../lib/probes/independent/sql57.js';
import { makeTempRoot, request, run } from '../helpers.js';

function sqlRequest(engine: string) {
  return request('sql57_object', 'independent', [
    { name: 'engine', value: engine },
    { name: 'version', value: '1.0' },
    { name: 'connection_string', value: 'database=test;uid=test;server=test' },
    { name: 'sql', value: 'SELECT 1;' },
  ]);
}

describe('sql57 probe', () => {
  // Messages as oscap 1.3.7 writes them for upstream probes/sql57/unsupported_engine.oval.xml.
  it('rejects an engine oscap cannot query', async () => {
    const root = await makeTempRoot(() => {});
    try {
      const result = await run(sql57Probe, root.target, sqlRequest('sqlserver'));
      expect(result.flag).toBe('error');
      expect(result.items).toEqual([]);
      expect(result.messages).toEqual([{ level: 'error', text: 'DB engine not supported: sqlserver' }]);

      const unknown = await run(sql57Probe, root.target, sqlRequest('nosuchdb'));
      expect(unknown.flag).toBe('error');
      expect(unknown.messages).toEqual([{ level: 'error', text: 'DB engine not found: nosuchdb' }]);
    } finally {
      await root.remove();
    }
  });

  it('leaves a queryable engine not collected', async () => {
    const root = await makeTempRoot(() => {});
    try {
      const result = await run(sql57Probe, root.target, sqlRequest('postgre'));
      expect(result.flag).toBe('not collected');
      expect(result.items).toEqual([]);
    } finally {
      await root.remove();
    }
  });
});
