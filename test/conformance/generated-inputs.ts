/**
 * Definitions that an upstream script generates with a shell script of its own before running
 * oscap (`bash NAME.xml.sh > NAME.xml`). The runner builds the same documents here, from the
 * same facts, and writes them into the case folder under the name the command reads.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

type InputGenerator = (environment: NodeJS.ProcessEnv) => string;

/**
 * The object type an environment test checks. The deprecated environmentvariable type has no
 * pid entity. environmentvariable58 names a process, and a nil pid means oscap's own.
 */
interface Flavour {
  type: 'environmentvariable' | 'environmentvariable58';
  schemaVersion: string;
  timestamp: string;
}

const OLD_FLAVOUR: Flavour = { type: 'environmentvariable', schemaVersion: '5.4', timestamp: '2008-03-31T00:00:00-00:00' };
const FLAVOUR_58: Flavour = { type: 'environmentvariable58', schemaVersion: '5.9', timestamp: '2011-07-13T00:00:00-00:00' };

const INDEPENDENT_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent';

function document(flavour: Flavour, body: { definitions: string; tests: string; objects: string; states: string }): string {
  return `<?xml version="1.0"?>
<oval_definitions xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
  <generator>
    <oval:product_name>${flavour.type}</oval:product_name>
    <oval:product_version>1.0</oval:product_version>
    <oval:schema_version>${flavour.schemaVersion}</oval:schema_version>
    <oval:timestamp>${flavour.timestamp}</oval:timestamp>
  </generator>
  <definitions>
${body.definitions}
  </definitions>
  <tests>
${body.tests}
  </tests>
  <objects>
${body.objects}
  </objects>
  <states>
${body.states}
  </states>
</oval_definitions>
`;
}

/**
 * Selects the variables the upstream generators use: names of capital letters only, other than
 * SHLVL, whose values are letters, digits and slashes. Upstream selects them with
 * `env | sed -n 's|^\([A-Z]*\)=[a-zA-Z0-9/]\{1,\}$|\1|p'`.
 */
function simpleVariables(environment: NodeJS.ProcessEnv): Array<[string, string]> {
  return Object.entries(environment).filter(
    (entry): entry is [string, string] =>
      /^[A-Z]*$/.test(entry[0]) && !entry[0].includes('SHLVL') && entry[1] !== undefined && /^[a-zA-Z0-9/]+$/.test(entry[1]),
  );
}

function test(flavour: Flavour, id: number, objectId: number, stateId: number, comment: 'true' | 'false'): string {
  return `    <${flavour.type}_test version="1" id="oval:1:tst:${id}" check="at least one" comment="${comment}" xmlns="${INDEPENDENT_NS}">
      <object object_ref="oval:1:obj:${objectId}"/>
      <state state_ref="oval:1:ste:${stateId}"/>
    </${flavour.type}_test>`;
}

function object(flavour: Flavour, id: number, name: string, operation = 'equals'): string {
  const pid = flavour.type === 'environmentvariable58' ? '\n      <pid datatype="int" xsi:nil="true"/>' : '';
  return `    <${flavour.type}_object version="1" id="oval:1:obj:${id}" xmlns="${INDEPENDENT_NS}">${pid}
      <name operation="${operation}">${name}</name>
    </${flavour.type}_object>`;
}

/** Builds a state on one variable. For environmentvariable58 the process's pid must be above `minimumPid`. */
function state(flavour: Flavour, id: number, minimumPid: number, name: string, value: string): string {
  const pid = flavour.type === 'environmentvariable58' ? `\n      <pid operation="greater than" datatype="int">${minimumPid}</pid>` : '';
  return `    <${flavour.type}_state version="1" id="oval:1:ste:${id}" xmlns="${INDEPENDENT_NS}">${pid}
      <name>${name}</name>
      <value>${value}</value>
    </${flavour.type}_state>`;
}

/**
 * Builds what test_probes_environmentvariable58.xml.sh (or, for the old flavour,
 * test_probes_environmentvariable.xml.sh) writes. Each variable gets a test on an
 * object naming it and a test on an object matching every name. Each variable but the last
 * also gets a test on an object naming every other variable. All tests are true, and so is
 * the definition that combines them with AND.
 */
function allTrue(flavour: Flavour, environment: NodeJS.ProcessEnv): string {
  const variables = simpleVariables(environment);
  const count = variables.length;
  const tests: string[] = [];
  const objects: string[] = [];
  const states: string[] = [];
  variables.forEach(([name, value], index) => {
    tests.push(test(flavour, index + 1, index + 1, index + 1, 'true'), test(flavour, count + index + 1, count + 1, count + index + 1, 'true'));
    objects.push(object(flavour, index + 1, name));
    states.push(state(flavour, index + 1, 1, name, value), state(flavour, count + index + 1, 1, name, value));
  });
  variables.slice(0, -1).forEach(([name, value], index) => {
    tests.push(test(flavour, 2 * count + index + 1, count + 2, 2 * count + index + 1, 'true'));
    states.push(state(flavour, 2 * count + index + 1, 1, name, value));
  });
  objects.push(object(flavour, count + 1, '.*', 'pattern match'), object(flavour, count + 2, variables[count - 1]?.[0] ?? '', 'not equal'));

  const testCount = 3 * count - 1;
  const criteria = Array.from({ length: testCount }, (_, index) => `          <criterion test_ref="oval:1:tst:${index + 1}"/>`);
  const definitions = `    <definition class="compliance" version="1" id="oval:1:def:1"> <!-- comment="true" -->
      <metadata><title></title><description></description></metadata>
      <criteria operator="AND">
${criteria.join('\n')}
      </criteria>
    </definition>`;
  return document(flavour, { definitions, tests: tests.join('\n'), objects: objects.join('\n'), states: states.join('\n') });
}

/**
 * Builds what test_probes_environmentvariable58-fail.xml.sh (or the old flavour's -fail
 * script) writes, where every test is false.
 * The first test expects the second variable on an object that excludes it. The others expect
 * each variable on an object matching names with "_", in a process whose pid is above the
 * runner's own. The definition combines them with OR.
 */
function allFalse(flavour: Flavour, environment: NodeJS.ProcessEnv): string {
  const variables = simpleVariables(environment);
  const [secondName, secondValue] = variables[1] ?? ['', ''];
  const tests = [test(flavour, 1, 1, 1, 'false')];
  const states = [state(flavour, 1, 1, secondName, secondValue)];
  variables.forEach(([name, value], index) => {
    tests.push(test(flavour, index + 2, 2, index + 2, 'false'));
    states.push(state(flavour, index + 2, process.pid, name, value));
  });
  const objects = [object(flavour, 1, secondName, 'not equal'), object(flavour, 2, '_', 'pattern match')];

  const criteria = tests.map((_, index) => `          <criterion test_ref="oval:1:tst:${index + 1}"/>`);
  const definitions = `    <definition class="compliance" version="1" id="oval:1:def:1"> <!-- comment="false" -->
      <metadata><title></title><description></description></metadata>
      <criteria operator="OR">
${criteria.join('\n')}
      </criteria>
    </definition>`;
  return document(flavour, { definitions, tests: tests.join('\n'), objects: objects.join('\n'), states: states.join('\n') });
}

/**
 * Builds what test_probes_symlink.xml.sh writes for the folder `folder`: one symlink test each
 * on a normal, a broken, a circular and a chained link, a regular file and a missing path.
 */
function symlinkDefinitions(folder: string): string {
  const unixNs = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix';
  const filepaths = [`${folder}/normal_symlink`, `${folder}/broken_symlink`, '/etc/does_not_exist', `${folder}/some_file`, `${folder}/circular_symlink`, `${folder}/chained_symlink`];
  const canonicalPaths = new Map([[1, `${folder}/some_file`], [6, `${folder}/other_file`]]);

  const criteria = filepaths.map((_, index) => `        <criterion test_ref="oval:x:tst:${index + 1}" comment="always pass"/>`);
  const tests = filepaths.map((_, index) => {
    const number = index + 1;
    const stateRef = canonicalPaths.has(number) ? `\n      <unix:state state_ref="oval:1:ste:${number}"/>` : '';
    return `    <unix:symlink_test check="all" check_existence="all_exist" comment="x" id="oval:x:tst:${number}" version="1">
      <unix:object object_ref="oval:1:obj:${number}"/>${stateRef}
    </unix:symlink_test>`;
  });
  const objects = filepaths.map(
    (filepath, index) => `    <unix:symlink_object id="oval:1:obj:${index + 1}" version="1">
      <unix:filepath>${filepath}</unix:filepath>
    </unix:symlink_object>`,
  );
  const states = [...canonicalPaths].map(
    ([number, canonicalPath]) => `    <unix:symlink_state id="oval:1:ste:${number}" version="1">
      <unix:filepath>${filepaths[number - 1]}</unix:filepath>
      <unix:canonical_path>${canonicalPath}</unix:canonical_path>
    </unix:symlink_state>`,
  );
  return `<?xml version="1.0"?>
<oval_definitions xmlns:unix="${unixNs}" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
  <generator>
    <oval:schema_version>5.11</oval:schema_version>
    <oval:timestamp>0001-01-01T00:00:00+00:00</oval:timestamp>
  </generator>
  <definitions>
    <definition class="compliance" version="1" id="oval:x:def:1">
      <metadata><title>x</title><description>x</description><affected family="unix"><platform>x</platform></affected></metadata>
      <criteria>
${criteria.join('\n')}
      </criteria>
    </definition>
  </definitions>
  <tests>
${tests.join('\n')}
  </tests>
  <objects>
${objects.join('\n')}
  </objects>
  <states>
${states.join('\n')}
  </states>
</oval_definitions>
`;
}

const GENERATED_INPUTS: Record<string, { file: string; generate: InputGenerator }> = {
  'probes/environmentvariable/test_probes_environmentvariable/test_probes_environmentvariable': {
    file: 'test_probes_environmentvariable.xml',
    generate: (environment) => allTrue(OLD_FLAVOUR, environment),
  },
  'probes/environmentvariable/test_probes_environmentvariable/test_probes_environmentvariable-fail': {
    file: 'test_probes_environmentvariable-fail.xml',
    generate: (environment) => allFalse(OLD_FLAVOUR, environment),
  },
  'probes/symlink/test_probes_symlink': {
    file: 'test_probes_symlink.xml',
    generate: () => symlinkDefinitions('/tmp/test_symlink'),
  },
  'probes/environmentvariable58/test_probes_environmentvariable58/test_probes_environmentvariable58': {
    file: 'test_probes_environmentvariable58.xml',
    generate: (environment) => allTrue(FLAVOUR_58, environment),
  },
  'probes/environmentvariable58/test_probes_environmentvariable58/test_probes_environmentvariable58-fail': {
    file: 'test_probes_environmentvariable58-fail.xml',
    generate: (environment) => allFalse(FLAVOUR_58, environment),
  },
};

/**
 * Writes the generated definitions of a case into `caseDir`, for the scapula process that will
 * run with `environment`. Returns their file name, relative to `caseDir`, or undefined when the
 * case has none.
 */
export function writeGeneratedInput(caseId: string, caseDir: string, environment: NodeJS.ProcessEnv): string | undefined {
  const input = GENERATED_INPUTS[caseId];
  if (input === undefined) return undefined;
  writeFileSync(path.join(caseDir, input.file), input.generate(environment));
  return input.file;
}
