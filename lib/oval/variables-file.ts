/**
 * Reads an oval_variables document: the values of external variables, one or more per variable.
 *
 *   <oval_variables xmlns="http://oval.mitre.org/XMLSchema/oval-variables-5">
 *     <generator>…</generator>
 *     <variables>
 *       <variable id="oval:x:var:1" datatype="int" comment="minimum length">
 *         <value>12</value>
 *       </variable>
 *     </variables>
 *   </oval_variables>
 */
import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { OVAL_VARIABLES_NS } from '../xml/namespaces.js';
import { readSections } from '../xml/sections.js';
import type { XmlNode } from '../xml/tree.js';
import type { Datatype } from './model.js';
import { DATATYPES } from './parse/attributes.js';

export interface ExternalVariableValues {
  datatype: Datatype;
  values: string[];
}

/** Returns the values of every variable, by variable id, in document order. */
export async function readOvalVariables(source: ByteSource | string): Promise<Map<string, ExternalVariableValues>> {
  const file = typeof source === 'string' ? source : source.name;
  const variables = new Map<string, ExternalVariableValues>();

  await readSections(source, {
    rootName: 'oval_variables',
    rootNamespace: OVAL_VARIABLES_NS,
    sections: { variables: 'items' },
    onNode(_section, node) {
      if (node.name !== 'variable') throw invalid(file, node, `unexpected element ${node.name} in variables; expected variable`);
      const id = node.attributes['id'];
      if (id === undefined || id === '') throw invalid(file, node, 'variable is missing its required attribute id');
      const datatype = node.attributes['datatype'];
      if (datatype === undefined || !DATATYPES.has(datatype as Datatype) || datatype === 'record') {
        throw invalid(file, node, `variable ${id} has datatype="${datatype ?? ''}"; expected a simple OVAL datatype such as string or int`);
      }
      if (variables.has(id)) throw invalid(file, node, `variable ${id} appears more than once`);
      const values = node.children.filter((child) => child.name === 'value').map((child) => child.text);
      if (values.length === 0) throw invalid(file, node, `variable ${id} has no value`);
      variables.set(id, { datatype: datatype as Datatype, values });
    },
  });
  return variables;
}

function invalid(file: string, node: XmlNode, message: string): ScapulaError {
  return new ScapulaError('OVAL_INVALID', message, { file, line: node.line, column: node.column });
}
