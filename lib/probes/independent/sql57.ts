/**
 * sql57_object: the result of an SQL query against a database. scapula reads files in place and
 * never connects to a database, so it collects no items. It reports the engine the way
 * OpenSCAP 1.3.7 does before connecting: an engine OVAL names but OpenSCAP has no database
 * driver for ("sqlserver", "db2", ...) is an error "DB engine not supported: NAME", and a name
 * OVAL does not define is an error "DB engine not found: NAME". An engine OpenSCAP can query
 * (mysql, postgre, oracle, ...) leaves the object "not collected".
 */
import { ScapulaError } from '../../errors.js';
import type { ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { defineProbe } from '../util/items.js';

const OBJECT_TYPE = 'sql57_object';

/** The engines of the OVAL EntityObjectEngineType that OpenSCAP 1.3.7 has a database driver for. */
const QUERYABLE_ENGINES: ReadonlySet<string> = new Set(['firebird', 'mssql', 'mysql', 'oracle', 'postgre', 'sqlite', 'sqlite3', 'sybase']);

/** The other engines OVAL and OpenSCAP 1.3.7 name, which OpenSCAP cannot query. */
const UNQUERYABLE_ENGINES: ReadonlySet<string> = new Set([
  'access', 'db2', 'cache', 'firstsql', 'foxpro', 'informix', 'ingres', 'interbase', 'lightbase',
  'maxdb', 'monetdb', 'mimer', 'paradox', 'pervasive', 'sqlbase', 'sqlserver',
]);

async function collect(request: ProbeRequest): Promise<ProbeResult> {
  const engine = findEntity(request, 'engine');
  if (engine === undefined || engine.values.length !== 1 || engine.operation !== 'equals') {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: ${OBJECT_TYPE} needs an engine entity that equals one engine name`);
  }

  const name = engine.values[0]!;
  if (UNQUERYABLE_ENGINES.has(name)) return { flag: 'error', items: [], messages: [{ level: 'error', text: `DB engine not supported: ${name}` }] };
  if (!QUERYABLE_ENGINES.has(name)) return { flag: 'error', items: [], messages: [{ level: 'error', text: `DB engine not found: ${name}` }] };
  return {
    flag: 'not collected',
    items: [],
    messages: [{ level: 'info', text: `${OBJECT_TYPE} not collected: scapula does not connect to databases (engine ${name})` }],
  };
}

export const sql57Probe = defineProbe({
  objectType: OBJECT_TYPE,
  family: 'independent',
  description: {
    summary: 'SQL query results. scapula never connects to a database, so no items are collected.',
    onImage: 'Not collected; an engine OpenSCAP cannot query is an error, as in oscap.',
    onHost: 'Not collected; an engine OpenSCAP cannot query is an error, as in oscap.',
  },
  collect,
});
