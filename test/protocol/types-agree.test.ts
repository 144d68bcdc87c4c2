/**
 * One source of truth for field lists: the TypeScript types of event data (src/protocol/types.ts)
 * and of command arguments (src/types.ts) are read with the compiler and compared with the shape
 * specs that the normalizer applies (src/protocol/shapes.ts and extension-shapes.ts). A field
 * added to, dropped from, or made required in one place and not the other fails here.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EVENT_SHAPES as SHAPES } from '../../src/protocol/events';
import type { EventType } from '../../src/protocol/types';

const ROOT = join(import.meta.dirname, '..', '..');
const program = ts.createProgram([join(ROOT, 'src/protocol/types.ts'), join(ROOT, 'src/types.ts')], {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();

/** The named type exported by `file`. */
const exported = (file: string, name: string): ts.Type => {
  const source = program.getSourceFile(join(ROOT, file))!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((s) => s.name == name);
  if (!symbol) throw new Error(`${file} exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
};

/** Property name → required, of a type (inherited ones included, index signatures left out). */
const fieldsOf = (type: ts.Type): Record<string, boolean> =>
  Object.fromEntries(
    checker.getPropertiesOfType(type).map((property) => [property.name, !(property.flags & ts.SymbolFlags.Optional)]),
  );

/** Spec field name → required; `metadata` is implied by every shape and left out. */
const specOf = (type: EventType, { withDropped }: { withDropped: boolean }): Record<string, boolean> =>
  Object.fromEntries(
    Object.entries(SHAPES[type]._fields)
      .filter(([name, kind]) => name && name != 'metadata' && (withDropped || kind != 'x')) // '': an empty spec
      .map(([name, kind]) => [name, kind < 'a']),
  );

const withoutMetadata = (fields: Record<string, boolean>) => {
  const { metadata: _metadata, ...rest } = fields;
  return rest;
};

describe('src/protocol/types.ts agrees with the shape specs', () => {
  const byType = exported('src/protocol/types.ts', 'EventDataByType');
  it.each(Object.keys(SHAPES) as EventType[])('%s', (type) => {
    const declared = checker.getTypeOfSymbol(byType.getProperty(type)!);
    // Fields of kind x (an email inside cart or customer data) are read, then sent as their own event.
    expect(withoutMetadata(fieldsOf(declared))).toEqual(specOf(type, { withDropped: false }));
  });

  it('declares every event type the specs know, and no other', () => {
    expect(Object.keys(fieldsOf(byType)).sort()).toEqual(Object.keys(SHAPES).sort());
  });
});

describe('the command argument types of src/types.ts name every field of the shape specs', () => {
  it.each([
    ['ProductInput', 'product_view'],
    ['CartDataInput', 'cart_data'],
    ['CartItemInput', 'cart_item'],
    ['CustomerInput', 'customer_data'],
    ['ConversionInput', 'conversion'],
  ] as const)('%s (%s)', (name, type) => {
    const declared = withoutMetadata(fieldsOf(exported('src/types.ts', name)));
    expect(declared).toEqual(specOf(type, { withDropped: true }));
  });
});
