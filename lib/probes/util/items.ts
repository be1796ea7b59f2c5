/**
 * Small builders for items and their entities, so probes list entities in schema order
 * without repeating the datatype and status bookkeeping.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { Datatype, OvalFamily } from '../../oval/model.js';
import type { ItemEntity, ItemStatus, Message, ProbeItem } from '../../oval/syschar.js';
import type { Probe, ProbeContext, ProbeDescription, ProbeRequest, ProbeResult } from '../probe.js';

export function itemEntity(name: string, value: string, datatype: Datatype = 'string'): ItemEntity {
  return { name, value, datatype };
}

/** Builds an entity whose value could not be read: status "error" and no value. */
export function errorEntity(name: string, datatype: Datatype = 'string'): ItemEntity {
  return { name, datatype, status: 'error' };
}

/** Builds an entity the system does not have: status "does not exist". */
export function missingEntity(name: string, datatype: Datatype = 'string'): ItemEntity {
  return { name, datatype, status: 'does not exist' };
}

/** The true and false entities of each boolean name, built once. */
const booleanEntities = new Map<string, { true: ItemEntity; false: ItemEntity }>();

/**
 * Returns a boolean entity, shared by every item with the same name and value: a file_item has
 * twelve of them. Items never change an entity in place (the evaluator copies one to mask it),
 * and the shared entities are frozen so that no code can.
 */
export function booleanEntity(name: string, value: boolean): ItemEntity {
  let pair = booleanEntities.get(name);
  if (pair === undefined) {
    pair = {
      true: Object.freeze<ItemEntity>({ name, value: 'true', datatype: 'boolean' }),
      false: Object.freeze<ItemEntity>({ name, value: 'false', datatype: 'boolean' }),
    };
    booleanEntities.set(name, pair);
  }
  return value ? pair.true : pair.false;
}

export function makeItem(
  type: string,
  family: OvalFamily,
  entities: ItemEntity[],
  status: ItemStatus = 'exists',
  messages?: Message[],
): ProbeItem {
  const item: ProbeItem = { type, family, status, entities };
  if (messages !== undefined && messages.length > 0) item.messages = messages;
  return item;
}

/** Builds the result of a probe that needs a running system, on a target that is not one. */
export function notCollectedOffline(objectType: string, reason: string): ProbeResult {
  return {
    flag: 'not collected',
    items: [],
    messages: [{ level: 'info', text: `${objectType} not collected: ${reason}` }],
  };
}

export interface ProbeDefinition {
  objectType: string;
  family: OvalFamily;
  description: ProbeDescription;
  collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult>;
}

/**
 * Builds a Probe whose ScapulaErrors (an invalid pattern, an unreadable file the probe cannot
 * go past) become the object's "error" flag with the message, as OpenSCAP reports them.
 * Interruptions and programming errors still propagate.
 */
export function defineProbe(definition: ProbeDefinition): Probe {
  return {
    objectType: definition.objectType,
    family: definition.family,
    description: definition.description,
    async collect(request, context) {
      try {
        return await definition.collect(request, context);
      } catch (error) {
        if (!isScapulaError(error) || error.code === 'INTERRUPTED') throw error;
        return { flag: 'error', items: [], messages: [{ level: 'error', text: error.message }] };
      }
    },
  };
}

/** Raises INTERRUPTED when the evaluation was cancelled. */
export function throwIfAborted(context: ProbeContext): void {
  if (context.signal?.aborted === true) {
    throw new ScapulaError('INTERRUPTED', 'the evaluation was cancelled');
  }
}
