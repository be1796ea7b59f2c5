/**
 * Dependency order of variables and objects. A local variable may use other variables and
 * objects, and an object may use variables and other objects (sets, filters). Resolving them
 * deepest first means each step finds what it needs already computed, so a chain of any
 * length never nests calls deeply. Only a cycle still nests, and MAX_NESTING bounds it.
 */
import type { Component, Entity, ObjectSet, OvalDefinitions } from '../model.js';
import { collectObject } from './collector.js';
import type { Evaluation } from './evaluation.js';
import { resolveVariable } from './variables.js';

/** Nested variable resolutions or object collections allowed; only a cycle can reach it. */
export const MAX_NESTING = 1000;

export interface DependencyNode {
  kind: 'variable' | 'object';
  id: string;
}

function keyOf(node: DependencyNode): string {
  return `${node.kind}\u0000${node.id}`;
}

function entityVariables(entities: Entity[], out: DependencyNode[]): void {
  const pending = [...entities];
  while (pending.length > 0) {
    const entity = pending.pop()!;
    if (entity.varRef !== undefined) out.push({ kind: 'variable', id: entity.varRef });
    if (entity.fields !== undefined) pending.push(...entity.fields);
  }
}

function stateVariables(definitions: OvalDefinitions, stateRef: string, out: DependencyNode[]): void {
  const state = definitions.states.get(stateRef);
  if (state !== undefined) entityVariables(state.entities, out);
}

/** Lists what a variable or an object uses directly. */
export function directDependencies(definitions: OvalDefinitions, node: DependencyNode): DependencyNode[] {
  const out: DependencyNode[] = [];
  if (node.kind === 'variable') {
    const variable = definitions.variables.get(node.id);
    if (variable?.kind !== 'local_variable') return out;
    const pending: Component[] = [variable.component];
    while (pending.length > 0) {
      const component = pending.pop()!;
      if (component.kind === 'variable_component') out.push({ kind: 'variable', id: component.varRef });
      else if (component.kind === 'object_component') out.push({ kind: 'object', id: component.objectRef });
      else if ('component' in component) pending.push(component.component);
      else if ('components' in component) pending.push(...component.components);
    }
    return out;
  }

  const object = definitions.objects.get(node.id);
  if (object === undefined) return out;
  entityVariables(object.entities, out);
  // A variable_object names its variable in the text of var_ref, not in a var_ref attribute.
  if (object.type === 'variable_object') {
    for (const entity of object.entities) {
      if (entity.name === 'var_ref' && entity.value !== undefined) out.push({ kind: 'variable', id: entity.value });
    }
  }
  for (const filter of object.filters) stateVariables(definitions, filter.stateRef, out);
  const sets: ObjectSet[] = object.set === undefined ? [] : [object.set];
  while (sets.length > 0) {
    const set = sets.pop()!;
    for (const objectRef of set.objectRefs) out.push({ kind: 'object', id: objectRef });
    for (const filter of set.filters) stateVariables(definitions, filter.stateRef, out);
    sets.push(...set.sets);
  }
  return out;
}

/**
 * Lists the variables and objects that `root` depends on, directly or not, each after what it
 * uses (post-order), leaving out `root` and whatever `isDone` reports as computed.
 */
export function dependencyOrder(definitions: OvalDefinitions, root: DependencyNode, isDone: (node: DependencyNode) => boolean): DependencyNode[] {
  const order: DependencyNode[] = [];
  const visited = new Set<string>([keyOf(root)]);
  const stack: { node: DependencyNode; children: DependencyNode[]; next: number }[] = [
    { node: root, children: directDependencies(definitions, root), next: 0 },
  ];

  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.children.length) {
      stack.pop();
      if (frame.node !== root) order.push(frame.node);
      continue;
    }
    const child = frame.children[frame.next++]!;
    const key = keyOf(child);
    if (visited.has(key) || isDone(child)) continue;
    visited.add(key);
    stack.push({ node: child, children: directDependencies(definitions, child), next: 0 });
  }
  return order;
}

/**
 * Computes, deepest first, what `root` depends on, when called outside any other resolution
 * or collection (inside one, the outer call has done it already).
 */
export async function prepareDependencies(evaluation: Evaluation, root: DependencyNode): Promise<void> {
  if (evaluation.preparingDependencies || evaluation.resolvingVariables.size > 0 || evaluation.collectingObjects.size > 0) return;

  const isDone = (node: DependencyNode): boolean =>
    node.kind === 'variable' ? evaluation.variables.has(node.id) : evaluation.collected.has(node.id);
  const order = dependencyOrder(evaluation.definitions, root, isDone);
  if (order.length === 0) return;

  evaluation.preparingDependencies = true;
  try {
    for (const node of order) {
      if (node.kind === 'variable') await resolveVariable(evaluation, node.id);
      else await collectObject(evaluation, node.id);
    }
  } finally {
    evaluation.preparingDependencies = false;
  }
}
