/**
 * Definitions that an upstream script generates with a shell script of its own before running
 * oscap (`bash NAME.xml.sh > NAME.xml`). The runner builds the same documents here, from the
 * same facts, and writes them into the case folder under the name the command reads.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
const UNIX_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix';
const LINUX_NS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux';

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
  const filepaths = [`${folder}/normal_symlink`, `${folder}/broken_symlink`, '/etc/does_not_exist', `${folder}/some_file`, `${folder}/circular_symlink`, `${folder}/chained_symlink`];
  const canonicalPaths = new Map([[1, `${folder}/some_file`], [6, `${folder}/other_file`]]);
  return symlinkDocument(filepaths, canonicalPaths, ' comment="always pass"');
}

/**
 * Builds what test_offline_mode_symlink.xml.sh writes when given an empty folder name. Its twelve
 * symlink tests name links at the top of the offline root (normal, broken, circular, chained,
 * relative, with ".." or "." in the target), a regular file, missing paths and /etc/passwd.
 */
function offlineSymlinkDefinitions(): string {
  const filepaths = [
    '/normal_symlink', '/broken_symlink', '/etc/does_not_exist', '/some_file', '/circular_symlink', '/chained_symlink',
    '/etc/passwd', '/normal_symlink_relative', '/broken_symlink_relative', '/path_traversal_symlink', '/symlink_with_dot_in_path', '/tmp/symlinktest',
  ];
  const canonicalPaths = new Map([[1, '/some_file'], [6, '/other_file'], [7, '/etc/shadow'], [10, '/file_in_root'], [11, '/some_file']]);
  return symlinkDocument(filepaths, canonicalPaths, '');
}

/**
 * Writes one symlink test per path, numbered from 1, with a state on canonical_path for the
 * test numbers in `canonicalPaths`; `criterionAttributes` is appended to every criterion.
 */
function symlinkDocument(filepaths: string[], canonicalPaths: Map<number, string>, criterionAttributes: string): string {
  const unixNs = 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix';
  const criteria = filepaths.map((_, index) => `        <criterion test_ref="oval:x:tst:${index + 1}"${criterionAttributes}/>`);
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

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const CHECKS = ['all', 'at least one', 'none satisfy', 'only one'] as const;
const EXISTENCES = ['all_exist', 'at_least_one_exists', 'any_exist', 'none_exist', 'only_one_exists'] as const;

interface MatrixOptions {
  /** Test element name (`uname_test`, `filehash58_test`) and its namespace. */
  element: string;
  namespace: string;
  /** Whether object 2 names a missing file and gets its own stateless tests, as in the filehash scripts. */
  missingObject: boolean;
  /** States of the any_exist tests with check="all". Upstream's uname script names state 3 twice there. */
  anyExistAllStates: number[];
}

/**
 * Builds the tests the uname and filehash generators share. Object 1 yields one item, which
 * satisfies state 1 only. The tests cross the check_existence values, the check values and the
 * three states, in upstream's order. Each carries comment="true|false", the result the item
 * gives. Upstream's none_exist block among the tests with states names no state.
 */
function existenceMatrixTests(options: MatrixOptions): string[] {
  const tests: string[] = [];
  const addTest = (objectId: number, existence: string | undefined, check: string, state: number | undefined, truth: boolean): void => {
    const id = tests.length + 1;
    const existenceAttribute = existence === undefined ? '' : ` check_existence="${existence}"`;
    const stateRef = state === undefined ? '' : `\n      <state state_ref="oval:1:ste:${state}"/>`;
    tests.push(`    <${options.element} version="1" id="oval:1:tst:${id}"${existenceAttribute} check="${check}" comment="${truth}" xmlns="${options.namespace}">
      <object object_ref="oval:1:obj:${objectId}"/>${stateRef}
    </${options.element}>`);
  };
  // With a state, "none satisfy" holds for states 2 and 3, every other check for state 1.
  const withStates = (existence: string | undefined): void => {
    for (const check of CHECKS) {
      const states = existence === 'any_exist' && check === 'all' ? options.anyExistAllStates : [1, 2, 3];
      states.forEach((state, index) => addTest(1, existence, check, state, (index === 0) !== (check === 'none satisfy')));
    }
  };

  for (const check of CHECKS) addTest(1, undefined, check, undefined, true);
  if (options.missingObject) for (const check of CHECKS) addTest(2, undefined, check, undefined, false);
  for (const existence of EXISTENCES) for (const check of CHECKS) addTest(1, existence, check, undefined, existence !== 'none_exist');
  if (options.missingObject) {
    for (const existence of EXISTENCES) {
      for (const check of CHECKS) addTest(2, existence, check, undefined, existence === 'any_exist' || existence === 'none_exist');
    }
  }
  withStates(undefined);
  withStates('all_exist');
  withStates('any_exist');
  withStates('at_least_one_exists');
  for (const check of CHECKS) for (let count = 0; count < 3; count += 1) addTest(1, 'none_exist', check, undefined, false);
  withStates('only_one_exists');
  return tests;
}

/**
 * Builds the definitions both generators share: definition 1 combines every test with AND,
 * definitions 2 to 13 combine the pairs (first, second), (first, first) and (second, third)
 * with AND, OR, XOR and ONE. The first test of a pair is true, the others false.
 */
function matrixDefinitions(testCount: number, first: number, second: number, third: number): string[] {
  const definition = (id: number, truth: boolean, operator: string, refs: number[]): string =>
    `    <definition class="compliance" version="1" id="oval:1:def:${id}">  <!-- comment="${truth}" -->
      <metadata><title></title><description></description></metadata>
      <criteria>
        <criteria operator="${operator}">
${refs.map((ref) => `          <criterion test_ref="oval:1:tst:${ref}"/>`).join('\n')}
        </criteria>
      </criteria>
    </definition>`;
  const definitions = [definition(1, false, 'AND', Array.from({ length: testCount }, (_, index) => index + 1))];
  const pairs = [[first, second], [first, first], [second, third]];
  const truths: Record<string, boolean[]> = { AND: [false, true, false], OR: [true, true, false], XOR: [true, false, false], ONE: [true, false, false] };
  for (const [operator, values] of Object.entries(truths)) {
    values.forEach((truth, index) => definitions.push(definition(definitions.length + 1, truth, operator, pairs[index] ?? [])));
  }
  return definitions;
}

function matrixDocument(
  product: string,
  schemaVersion: string,
  timestamp: string,
  parts: { definitions: string[]; tests: string[]; objects: string; states: string; variables?: string },
): string {
  const variables = parts.variables === undefined ? '' : `  <variables>\n${parts.variables}\n  </variables>\n`;
  return `<?xml version="1.0"?>
<oval_definitions xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
  <generator>
    <oval:product_name>${product}</oval:product_name>
    <oval:product_version>1.0</oval:product_version>
    <oval:schema_version>${schemaVersion}</oval:schema_version>
    <oval:timestamp>${timestamp}</oval:timestamp>
  </generator>
  <definitions>
${parts.definitions.join('\n')}
  </definitions>
  <tests>
${parts.tests.join('\n')}
  </tests>
  <objects>
${parts.objects}
  </objects>
  <states>
${parts.states}
  </states>
${variables}</oval_definitions>
`;
}

/**
 * Builds what test_probes_uname.xml.sh writes, from the values `uname` gives on this host
 * (Node's os module reads the same uname system call). One object, three states: every field
 * equal to the host's (state 1), every field prefixed with "X" (state 2), and a mix (state 3).
 * Definitions 2 to 13 combine tests 25 to 27.
 */
function unameDefinitions(): string {
  const machine = escapeXml(os.machine());
  const fields = {
    machine,
    node: escapeXml(os.hostname()),
    os: escapeXml(os.type()),
    release: escapeXml(os.release()),
    version: escapeXml(os.version().replace(/[ \t]+$/, '')),
  };
  const stateXml = (id: number, prefix: { machine: string; node: string; rest: string }): string =>
    `    <uname_state version="1" id="oval:1:ste:${id}" xmlns="${UNIX_NS}">
      <machine_class>${prefix.machine}${fields.machine}</machine_class>
      <node_name>${prefix.node}${fields.node}</node_name>
      <os_name>${prefix.rest}${fields.os}</os_name>
      <os_release>${prefix.rest}${fields.release}</os_release>
      <os_version>${prefix.rest}${fields.version}</os_version>
      <processor_type>${prefix.machine}${fields.machine}</processor_type>
    </uname_state>`;
  const states = [
    stateXml(1, { machine: '', node: '', rest: '' }),
    stateXml(2, { machine: 'X', node: 'X', rest: 'X' }),
    stateXml(3, { machine: 'X', node: 'X', rest: '' }),
  ];
  const tests = existenceMatrixTests({ element: 'uname_test', namespace: UNIX_NS, missingObject: false, anyExistAllStates: [1, 3, 3] });
  return matrixDocument('uname', '5.4', '2008-03-31T00:00:00-00:00', {
    definitions: matrixDefinitions(tests.length, 25, 26, 27),
    tests,
    objects: `    <uname_object version="1" id="oval:1:obj:1" xmlns="${UNIX_NS}"/>`,
    states: states.join('\n'),
  });
}

/** Text of the file the filehash generators write into /tmp before printing their definitions. */
export const FILEHASH_TEXT = 'Test Probes: FILEHASH test\n';

function digest(algorithm: string): string {
  return createHash(algorithm).update(FILEHASH_TEXT).digest('hex');
}

/**
 * Builds what test_probes_filehash.xml.sh writes: the existence and check matrix on
 * /tmp/test_probes_filehash.tmp (object 1) and a missing file (object 2), with states
 * carrying the file's md5 and sha1, wrong ones, and a wrong md5 beside the right sha1.
 */
function filehashDefinitions(): string {
  const tests = existenceMatrixTests({ element: 'filehash_test', namespace: INDEPENDENT_NS, missingObject: true, anyExistAllStates: [1, 2, 3] });
  const object = (id: number, filename: string): string => `    <filehash_object version="1" id="oval:1:obj:${id}" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>${filename}</filename>
    </filehash_object>`;
  const state = (id: number, md5: string, sha1: string): string => `    <filehash_state version="1" id="oval:1:ste:${id}" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>test_probes_filehash.tmp</filename>
      <md5>${md5}</md5>
      <sha1>${sha1}</sha1>
    </filehash_state>`;
  return matrixDocument('filehash', '5.4', '2008-03-31T00:00:00-00:00', {
    definitions: matrixDefinitions(tests.length, 1, 5, 5),
    tests,
    objects: [object(1, 'test_probes_filehash.tmp'), object(2, 'test_probes_filehash.invalid')].join('\n'),
    states: [state(1, digest('md5'), digest('sha1')), state(2, 'incorrect-md5', 'incorrect-sha1'), state(3, 'incorrect-md5', digest('sha1'))].join('\n'),
  });
}

interface Filehash58Flavour {
  schemaVersion: string;
  /** The hash_type of the objects and of states 1 and 2, and the algorithm of state 1's hash. */
  hashType: string;
  algorithm: string;
  /** State 2's wrong hash. */
  wrongHash: string;
  /** The hash types and hashes of state 3, given as variables: one right pair among wrong ones. */
  mixedTypes: string[];
  mixedHashes: string[];
  /** Objects and variables upstream defines without using them: an object on each file (listed after the used one), then variables 2 and 3. */
  extraObjects: string[];
  extraVariables: string[];
}

/**
 * Builds what test_probes_filehash58_old_algos.xml.sh and _new_algos.xml.sh write: the
 * filehash matrix for the filehash58 object, whose hash_type picks the algorithm.
 */
function filehash58Definitions(flavour: Filehash58Flavour): string {
  const tests = existenceMatrixTests({ element: 'filehash58_test', namespace: INDEPENDENT_NS, missingObject: true, anyExistAllStates: [1, 2, 3] });
  const object = (id: number, filename: string, hashType: string): string => `    <filehash58_object version="1" id="oval:1:obj:${id}" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>${filename}</filename>
      <hash_type>${hashType}</hash_type>
    </filehash58_object>`;
  const variable = (id: number, values: string[]): string => `    <constant_variable id="oval:1:var:${id}" version="1" comment="several hash algorithms in one variable" datatype="string">
${values.map((value) => `      <value>${value}</value>`).join('\n')}
    </constant_variable>`;
  const states = `    <filehash58_state version="1" id="oval:1:ste:1" xmlns="${INDEPENDENT_NS}">
      <filepath>/tmp/test_probes_filehash58.tmp</filepath>
      <path>/tmp</path>
      <filename>test_probes_filehash58.tmp</filename>
      <hash_type>${flavour.hashType}</hash_type>
      <hash>${digest(flavour.algorithm)}</hash>
    </filehash58_state>
    <filehash58_state version="1" id="oval:1:ste:2" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>test_probes_filehash58.tmp</filename>
      <hash_type>${flavour.hashType}</hash_type>
      <hash>${flavour.wrongHash}</hash>
    </filehash58_state>
    <filehash58_state version="1" id="oval:1:ste:3" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>test_probes_filehash58.tmp</filename>
      <hash_type var_ref="oval:1:var:1" var_check="at least one"/>
      <hash var_ref="oval:1:var:4" var_check="at least one"/>
    </filehash58_state>`;
  return matrixDocument('filehash58', flavour.schemaVersion, '2011-07-14T00:00:00-00:00', {
    definitions: matrixDefinitions(tests.length, 1, 5, 5),
    tests,
    objects: [
      object(1, 'test_probes_filehash58.tmp', flavour.hashType),
      ...flavour.extraObjects.slice(0, 1),
      object(2, 'test_probes_filehash58.invalid', flavour.hashType),
      ...flavour.extraObjects.slice(1),
    ].join('\n'),
    states,
    variables: [variable(1, flavour.mixedTypes), ...flavour.extraVariables, variable(4, flavour.mixedHashes)].join('\n'),
  });
}

/** Builds the old_algos document: MD5 objects and states. State 3 pairs MD5 and SHA-1 with a wrong md5 and the right sha1. */
function filehash58OldAlgos(): string {
  const extraObject = (id: number, filename: string): string => `    <filehash58_object version="1" id="oval:1:obj:${id}" xmlns="${INDEPENDENT_NS}">
      <path>/tmp</path>
      <filename>${filename}</filename>
      <hash_type>SHA-1</hash_type>
    </filehash58_object>`;
  const extraVariable = (id: number, values: string[]): string => `    <constant_variable id="oval:1:var:${id}" version="1" comment="several hash algorithms in one variable" datatype="string">
${values.map((value) => `      <value>${value}</value>`).join('\n')}
    </constant_variable>`;
  return filehash58Definitions({
    schemaVersion: '5.8',
    hashType: 'MD5',
    algorithm: 'md5',
    wrongHash: 'incorrect-md5',
    mixedTypes: ['MD5', 'SHA-1'],
    mixedHashes: ['incorrect-md5', digest('sha1')],
    extraObjects: [extraObject(11, 'test_probes_filehash58.tmp'), extraObject(21, 'test_probes_filehash58.invalid')],
    extraVariables: [extraVariable(2, [digest('md5'), digest('sha1')]), extraVariable(3, ['incorrect-md5', 'incorrect-sha1'])],
  });
}

/**
 * Builds the new_algos document: SHA-512 objects and states, with a fixed wrong SHA-512 hash.
 * State 3 pairs SHA-256 and SHA-512 with the right sha256 and a fixed wrong sha512.
 */
function filehash58NewAlgos(): string {
  return filehash58Definitions({
    schemaVersion: '5.11',
    hashType: 'SHA-512',
    algorithm: 'sha512',
    wrongHash: 'ce66ae981bfdcb0a5b63e296792662caf3e9c0414d1053593876f38fc1afdaffb89fdbe016a21e7357209fbaa611644307d589780cca97c04df0052bc903af22',
    mixedTypes: ['SHA-256', 'SHA-512'],
    mixedHashes: [digest('sha256'), '0bdf537d823dfb9194c25f2a444ac38fc177fc3ed2160acf7c15e3a07ccc600a8303e2a0e8ce50659395e0ab02910404e2134997b105794a167387de45f24768'],
    extraObjects: [],
    extraVariables: [],
  });
}

/** The namespace declarations and schema locations the account and systemd generators write. */
const FULL_ROOT_ATTRIBUTES =
  'xmlns:oval-def="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ind-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:unix-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" xmlns:lin-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xsi:schemaLocation="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix unix-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#independent independent-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5#linux linux-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-definitions-5 oval-definitions-schema.xsd http://oval.mitre.org/XMLSchema/oval-common-5 oval-common-schema.xsd"';

/**
 * Splits the lines of an account file the way the shadow and password generators read them:
 * `wc -l` counts newlines, `sed -n "Np"` takes line N, and `echo $LINE | awk -F:` receives the line
 * after word splitting, with each run of blanks turned into one space.
 */
function accountRecords(text: string): string[][] {
  const count = text.split('\n').length - 1;
  return text
    .split('\n')
    .slice(0, count)
    .map((line) => line.trim().split(/\s+/).join(' ').split(':'));
}

interface AccountDocument {
  product: string;
  type: 'shadow' | 'password';
  /** The state's entities of one record, in order, as XML lines. */
  stateEntities: (fields: string[]) => string[];
}

/**
 * Builds what test_probes_shadow.xml.sh and test_probes_password.xml.sh write: one test per
 * line of the account file, each comparing the object named by the user with a state on every
 * field of that line, all true, and one true definition combining them with AND.
 */
function accountDefinitions(records: string[][], spec: AccountDocument): string {
  const criteria = records.map((_, index) => `<criterion test_ref="oval:1:tst:${index + 1}"/>`);
  const tests = records.map((_, index) => `    <${spec.type}_test version="1" id="oval:1:tst:${index + 1}" check="all" comment="true" xmlns="${UNIX_NS}">
      <object object_ref="oval:1:obj:${index + 1}"/>
      <state state_ref="oval:1:ste:${index + 1}"/>
    </${spec.type}_test>`);
  const objects = records.map((fields, index) => `    <${spec.type}_object version="1" id="oval:1:obj:${index + 1}" xmlns="${UNIX_NS}">
      <username>${fields[0] ?? ''}</username>
    </${spec.type}_object>`);
  const states = records.map((fields, index) => `    <${spec.type}_state version="1" id="oval:1:ste:${index + 1}" xmlns="${UNIX_NS}">
${spec.stateEntities(fields).map((line) => `      ${line}`).join('\n')}
    </${spec.type}_state>`);
  return `<?xml version="1.0"?>
<oval_definitions ${FULL_ROOT_ATTRIBUTES}>

      <generator>
            <oval:product_name>${spec.product}</oval:product_name>
            <oval:product_version>1.0</oval:product_version>
            <oval:schema_version>5.4</oval:schema_version>
            <oval:timestamp>2008-03-31T00:00:00-00:00</oval:timestamp>
      </generator>

  <definitions>

    <definition class="compliance" version="1" id="oval:1:def:1">  <!-- comment="true" -->
      <metadata>
        <title></title>
        <description></description>
      </metadata>
      <criteria>
        <criteria operator="AND">
${criteria.join('\n')}
        </criteria>
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

/** A numeric shadow field, or -1 where the field is empty, as the generator writes it. */
function shadowNumber(field: string | undefined): string {
  return field === undefined || field === '' ? '-1' : field;
}

/** Builds what test_probes_shadow.xml.sh writes from the host's /etc/shadow. */
function shadowDefinitions(): string {
  return accountDefinitions(accountRecords(readFileSync('/etc/shadow', 'utf8')), {
    product: 'shadow',
    type: 'shadow',
    stateEntities: (fields) => [
      `<username>${fields[0] ?? ''}</username>`,
      `<password>${fields[1] ?? ''}</password>`,
      `<chg_lst datatype="int">${shadowNumber(fields[2])}</chg_lst>`,
      `<chg_allow datatype="int">${shadowNumber(fields[3])}</chg_allow>`,
      `<chg_req datatype="int">${shadowNumber(fields[4])}</chg_req>`,
      `<exp_warn datatype="int">${shadowNumber(fields[5])}</exp_warn>`,
      `<exp_inact datatype="int">${shadowNumber(fields[6])}</exp_inact>`,
      `<exp_date datatype="int">${shadowNumber(fields[7])}</exp_date>`,
    ],
  });
}

/**
 * Builds what test_probes_password.xml.sh writes from the host's /etc/passwd. Under systemd 245
 * the script leaves out the lines of root and nobody, which that version's getpwent repeats.
 * On FreeBSD it leaves out the first two lines, which are no accounts.
 */
function passwordDefinitions(): string {
  let lines = readFileSync('/etc/passwd', 'utf8').split(/(?<=\n)/);
  const systemd = spawnSync('systemctl', ['--version'], { encoding: 'utf8' });
  if (systemd.status === 0 && /systemd 245/.test(systemd.stdout)) lines = lines.filter((line) => !/^(root|nobody)/.test(line));
  else if (os.platform() === 'freebsd') lines = lines.slice(2);
  return accountDefinitions(accountRecords(lines.join('')), {
    product: 'password',
    type: 'password',
    stateEntities: (fields) => [
      `<username>${fields[0] ?? ''}</username>`,
      `<password>${fields[1] ?? ''}</password>`,
      `<user_id datatype="int">${fields[2] ?? ''}</user_id>`,
      `<group_id datatype="int">${fields[3] ?? ''}</group_id>`,
      // The script's awk escapes "&" in the GECOS field only.
      `<gcos>${(fields[4] ?? '').replaceAll('&', '&amp;')}</gcos>`,
      `<home_dir>${fields[5] ?? ''}</home_dir>`,
      `<login_shell>${fields[6] ?? ''}</login_shell>`,
    ],
  });
}

/**
 * Builds what test_probes_iflisteners.xml.sh writes: one test that expects tcpdump listening on
 * the loopback interface under user id 72. The script names its state "oval:1:ste:$[$I+1]"
 * with I unset, which bash computes as 1.
 */
function iflistenersDefinitions(): string {
  return `<?xml version="1.0"?>
<oval_definitions ${FULL_ROOT_ATTRIBUTES}>

  <generator>
    <oval:product_name>iflisteners</oval:product_name>
    <oval:product_version>1.0</oval:product_version>
    <oval:schema_version>5.9</oval:schema_version>
    <oval:timestamp>2011-08-03T00:00:00-00:00</oval:timestamp>
  </generator>

  <definitions>

    <definition class="compliance" version="1" id="oval:1:def:1">  <!-- comment="true" -->
      <metadata>
        <title></title>
        <description></description>
      </metadata>
      <criteria>
        <criteria operator="AND">
	  <criterion test_ref="oval:1:tst:1" />
        </criteria>
      </criteria>
    </definition>

  </definitions>

  <tests>

    <!-- DEFAULT STATELESS OBJECT -->

    <!-- check="all" -->
    <iflisteners_test version="1" id="oval:1:tst:1" check="at least one" comment="true" xmlns="${LINUX_NS}">
      <object object_ref="oval:1:obj:1"/>
      <state state_ref="oval:1:ste:1"/>
    </iflisteners_test>

  </tests>

  <objects>

    <iflisteners_object version="1" id="oval:1:obj:1" xmlns="${LINUX_NS}">
      <interface_name>lo</interface_name>
    </iflisteners_object>

  </objects>

  <states>

  <iflisteners_state version="1" id="oval:1:ste:1" xmlns="${LINUX_NS}">
    <interface_name>lo</interface_name>
    <protocol>ETH_P_ALL</protocol>
    <hw_address>00:00:00:00:00:00</hw_address>
    <program_name>tcpdump</program_name>
    <pid operation="greater than" datatype="int" >0</pid>
    <user_id>72</user_id>
  </iflisteners_state>

  </states>

</oval_definitions>
`;
}

/**
 * Builds what test_probes_systemdunitdependency.xml.sh writes when given VALID ("true" or
 * "false"): three definitions on the dependencies of -.mount, sysinit.target and rescue.target,
 * whose comments, and those of their tests, are VALID.
 */
function systemdUnitDependencyDefinitions(valid: 'true' | 'false'): string {
  return `<?xml version="1.0"?>
<oval_definitions ${FULL_ROOT_ATTRIBUTES}>

  <generator>
    <oval:product_name>systemdunitdependency</oval:product_name>
    <oval:product_version>1.0</oval:product_version>
    <oval:schema_version>5.11</oval:schema_version>
    <oval:timestamp>2014-06-18T00:00:00-00:00</oval:timestamp>
  </generator>

  <definitions>

    <definition class="compliance" version="1" id="oval:0:def:1"> <!-- comment="${valid}" -->
      <metadata><title></title><description></description></metadata>
      <criteria operator="AND">
        <criterion test_ref="oval:0:tst:1"/>
      </criteria>
    </definition>

    <definition class="compliance" version="1" id="oval:0:def:2"> <!-- comment="${valid}" -->
      <metadata><title></title><description></description></metadata>
      <criteria>
        <criterion test_ref="oval:0:tst:2" comment="is local-fs.target a dependency of sysinit.target?"/>
      </criteria>
    </definition>

    <definition class="compliance" version="1" id="oval:0:def:3"> <!-- comment="${valid}" -->
      <metadata><title></title><description></description></metadata>
      <criteria>
        <criterion test_ref="oval:0:tst:3" comment="does at least one dependency of rescue.target conflict with shutdown.target?"/>
      </criteria>
    </definition>

  </definitions>

  <tests>

    <systemdunitdependency_test check_existence="at_least_one_exists" version="1" id="oval:0:tst:1" check="all" comment="${valid}" xmlns="${LINUX_NS}">
      <object object_ref="oval:0:obj:1"/>
    </systemdunitdependency_test>

    <systemdunitdependency_test id="oval:0:tst:2" check_existence="at_least_one_exists" check="all" comment="${valid}" version="1" xmlns="${LINUX_NS}">
      <object object_ref="oval:0:obj:2"/>
      <state state_ref="oval:0:ste:1"/>
    </systemdunitdependency_test>

    <systemdunitproperty_test id="oval:0:tst:3" check_existence="at_least_one_exists" check="all" comment="${valid}" version="1" xmlns="${LINUX_NS}">
      <object object_ref="oval:0:obj:3"/>
      <state state_ref="oval:0:ste:3"/>
    </systemdunitproperty_test>

  </tests>

  <objects>

    <systemdunitdependency_object version="1" id="oval:0:obj:1" xmlns="${LINUX_NS}">
      <unit>-.mount</unit>
    </systemdunitdependency_object>

    <systemdunitdependency_object id="oval:0:obj:2" comment="list of dependencies of sysinit.target" version="1" xmlns="${LINUX_NS}">
      <unit>sysinit.target</unit>
    </systemdunitdependency_object>

    <systemdunitproperty_object id="oval:0:obj:3" comment="for each item from local variable below get the Conflicts property" version="1" xmlns="${LINUX_NS}">
      <unit var_ref="oval:0:var:2" var_check="at least one"/>
      <property>Conflicts</property>
      <!-- Exclude those objects not containing 'shutdown.target' within their Conflicts property value -->
      <filter action="include" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">oval:0:ste:3</filter>
    </systemdunitproperty_object>

    <systemdunitdependency_object id="oval:0:obj:4" comment="list of dependencies for rescue.target" version="1" xmlns="${LINUX_NS}">
      <unit>rescue.target</unit>
    </systemdunitdependency_object>

  </objects>

  <states>

    <systemdunitdependency_state id="oval:0:ste:1" comment="local-fs.target listed at least once in the dependencies" version="1" xmlns="${LINUX_NS}">
      <dependency entity_check="at least one">local-fs.target</dependency>
    </systemdunitdependency_state>

    <systemdunitproperty_state id="oval:0:ste:2" comment="ActiveState property equal to 'active'" version="1" xmlns="${LINUX_NS}">
      <value>active</value>
    </systemdunitproperty_state>

    <systemdunitproperty_state id="oval:0:ste:3" comment="match only if Conflicts contains 'shutdown.target' string" version="1" xmlns="${LINUX_NS}">
      <value operation="pattern match">shutdown\\.target.*</value>
    </systemdunitproperty_state>

  </states>

  <variables>

    <local_variable id="oval:0:var:2" datatype="string" comment="list of rescue.target dependencies as local variable" version="1" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">
      <object_component object_ref="oval:0:obj:4" item_field="dependency"/>
    </local_variable>

  </variables>

</oval_definitions>
`;
}

/**
 * Returns a shell script to stand for upstream's validate/all.sh, which validates its own file
 * in the oval-no-xml scenario to see a document that is not XML rejected. The data does not
 * carry the script, and any text that is not XML takes the same path through the validator.
 */
function validateScriptStandIn(): string {
  return '#!/usr/bin/env bash\n# Stands for the script of the OVAL validation cases: a file that is not XML.\nexit 0\n';
}

const GENERATED_INPUTS: Record<string, { file: string; generate: InputGenerator }> = {
  'API/OVAL/validate/all/oval-no-xml': {
    file: 'API/OVAL/validate/all.sh',
    generate: validateScriptStandIn,
  },
  'probes/shadow/test_probes_shadow/test_probes_shadow': {
    file: 'test_probes_shadow.xml',
    generate: shadowDefinitions,
  },
  'probes/password/test_probes_password/test_probes_password': {
    file: 'test_probes_password.xml',
    generate: passwordDefinitions,
  },
  'probes/iflisteners/test_probes_iflisteners/test_probes_iflisteners': {
    file: 'test_probes_iflisteners.xml',
    generate: iflistenersDefinitions,
  },
  'probes/systemdunitdependency/test_probes_systemdunitdependency/Probe systemdunitdependency general functionality': {
    file: 'test_probes_systemdunitdependency.xml',
    generate: () => systemdUnitDependencyDefinitions('true'),
  },
  'probes/systemdunitdependency/test_probes_systemdunitdependency_validation/OVAL 5.11 validation (systemdunitdependency)': {
    file: 'test_probes_systemdunitdependency_validate.xml',
    generate: () => systemdUnitDependencyDefinitions('true'),
  },
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
  'probes/symlink/test_offline_mode_symlink/test_offline_mode_symlink': {
    file: 'test_offline_mode_symlink.xml',
    generate: offlineSymlinkDefinitions,
  },
  'probes/filehash/test_probes_filehash/test_probes_filehash': {
    file: 'test_probes_filehash.xml',
    generate: filehashDefinitions,
  },
  'probes/filehash58/test_probes_filehash58/test_probes_filehash58_old_algos': {
    file: 'test_probes_filehash58_old_algos.xml',
    generate: filehash58OldAlgos,
  },
  'probes/filehash58/test_probes_filehash58/test_probes_filehash58_new_algos': {
    file: 'test_probes_filehash58_new_algos.xml',
    generate: filehash58NewAlgos,
  },
  'probes/uname/test_probes_uname/test_probes_uname': {
    file: 'test_probes_uname.xml',
    generate: unameDefinitions,
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
