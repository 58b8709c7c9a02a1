/**
 * Which column of a CSV/TSV feeds each canonical field (and the user's split, if any), decided
 * from the first record: header or not, explicit `columns`, header aliases, else position.
 */
import { normalizeName, type FieldSpec } from './schema';

export interface DelimitedLayout {
  hasHeader: boolean;
  /** Columns every row must have (the split column included). */
  columns: number;
  /** Column of each field, in TASK_FIELDS order (−1: not mapped). */
  indexes: number[];
  /** Column of the user's split, or −1 when splits are assigned by hash or fixed. */
  splitIndex: number;
  mapping: Record<string, string>;
}

export interface LayoutOptions {
  hasHeader?: boolean;
  columns: Record<string, string>;
  splitColumn?: string;
}

const INDEX = /^\d+$/;

/** The layout, or a message saying why the first record cannot be mapped (a BAD_HEADER). */
export function resolveLayout(first: string[], specs: readonly FieldSpec[], opts: LayoutOptions): DelimitedLayout | string {
  const normalized = first.map(normalizeName);
  const trimmed = first.map((c) => c.trim());
  const columns = opts.columns;
  const splitColumn = opts.splitColumn;
  const named = [...Object.values(columns), ...(splitColumn === undefined ? [] : [splitColumn])].filter((c) => !INDEX.test(c));
  const hasHeader = opts.hasHeader
    ?? (specs.some((s) => normalized.some((n) => s.aliases.includes(n))) || named.some((c) => trimmed.includes(c)));
  const find = (name: string) => {
    const exact = trimmed.indexOf(name);
    return exact !== -1 ? exact : normalized.indexOf(normalizeName(name));
  };

  let splitIndex = -1;
  if (splitColumn !== undefined) {
    if (INDEX.test(splitColumn)) splitIndex = Number(splitColumn);
    else if (!hasHeader) return `splitColumn names the column "${splitColumn}" but the file has no header row`;
    else if ((splitIndex = find(splitColumn)) === -1) return `the header has no column "${splitColumn}" (for splitColumn); it has: ${trimmed.join(', ')}`;
    if (splitIndex >= first.length) return `column ${splitIndex} (for splitColumn) does not exist: the first row has ${first.length} columns`;
  }
  // Without a header, fields take the columns in order, skipping the split column.
  const positions = first.map((_, i) => i).filter((i) => i !== splitIndex);

  const indexes: number[] = [];
  const mapping: Record<string, string> = {};
  const hasExplicit = Object.keys(columns).length > 0;
  for (let k = 0; k < specs.length; k++) {
    const spec = specs[k];
    const explicit = columns[spec.name];
    let index: number;
    if (explicit !== undefined) {
      if (INDEX.test(explicit)) index = Number(explicit);
      else if (!hasHeader) return `columns.${spec.name} names the column "${explicit}" but the file has no header row`;
      else if ((index = find(explicit)) === -1) return `the header has no column "${explicit}" (for ${spec.name}); it has: ${trimmed.join(', ')}`;
    } else if (hasHeader) {
      // The split column is never a field, even when its name is an alias (e.g. `category`).
      index = normalized.findIndex((n, i) => i !== splitIndex && spec.aliases.includes(n));
      if (index === -1 && spec.required) {
        return `the header has no column for ${spec.name} (accepted names: ${spec.aliases.join(', ')}); it has: ${trimmed.join(', ')}`;
      }
    } else {
      index = k < positions.length && (spec.required || !hasExplicit) ? positions[k] : -1;
      if (index === -1 && spec.required) return `the first row has ${first.length} columns; ${spec.name} would be column ${k + 1 + (splitIndex !== -1 && splitIndex <= k ? 1 : 0)}`;
    }
    if (index >= first.length) return `column ${index} (for ${spec.name}) does not exist: the first row has ${first.length} columns`;
    if (index >= 0 && (indexes.includes(index) || index === splitIndex)) return `column ${hasHeader ? trimmed[index] : index} is mapped to two fields`;
    indexes.push(index);
    if (index >= 0) mapping[spec.name] = hasHeader ? trimmed[index] : String(index);
  }
  if (splitIndex !== -1) mapping.split = hasHeader ? trimmed[splitIndex] : String(splitIndex);
  return { hasHeader, columns: first.length, indexes, splitIndex, mapping };
}
