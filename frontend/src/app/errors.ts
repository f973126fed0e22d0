import type { FormInstance } from 'antd';
import type { TFunction } from 'i18next';
import { ApiError } from '../api';

/** A readable sentence for any error: the API's own detail when it sent one. */
export function describeError(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'network_error') return t('errors.network');
    if (error.detail) return error.detail;
    if (error.status === 403) return t('errors.forbidden');
    if (error.status === 404) return t('errors.notFound');
    return t('errors.status', { status: error.status });
  }
  return t('errors.unexpected');
}

/** An API field path as a form name path: `ranges[1].start` → ['ranges', 1, 'start']. */
export function toNamePath(field: string): (string | number)[] {
  return field
    .replace(/^body\./, '')
    .split(/\.|\[(\d+)\]/)
    .map((part, i) => (i % 2 === 1 ? (part === undefined ? undefined : Number(part)) : part))
    .filter((part): part is string | number => part !== undefined && part !== '');
}

const asField = (path: (string | number)[], wildcard: boolean) =>
  path.map((p, i) => (typeof p === 'number' ? (wildcard ? '[]' : `[${p}]`) : i ? `.${p}` : p)).join('');

/**
 * Puts the API's field errors on the form's own fields (422 `fields`, or `field` on other errors).
 * `fields` names the form's fields as the API does; `[]` stands for any index (`ranges[].start`).
 * An error on a part the form has no field for lands on the nearest field that holds it
 * (`dns[2]` on `dns`, `zone_ids[0]` on `zone_ids`).
 * Returns the sentence to show above the form for what no field could take, or null.
 */
export function applyApiError(form: FormInstance, error: unknown, fields: readonly string[], t: TFunction): string | null {
  if (!(error instanceof ApiError)) return describeError(t, error);
  const placed = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: string[] = [];
  for (const { field, message } of error.fieldErrors()) {
    const path = toNamePath(field);
    let target: (string | number)[] | null = null;
    for (let n = path.length; n > 0 && !target; n--) {
      const sub = path.slice(0, n);
      if (fields.includes(asField(sub, false)) || fields.includes(asField(sub, true))) target = sub;
    }
    if (!target) {
      rest.push(field ? `${field}: ${message}` : message);
      continue;
    }
    const key = JSON.stringify(target);
    const entry = placed.get(key) ?? { name: target, errors: [] };
    entry.errors.push(message);
    placed.set(key, entry);
  }
  if (placed.size) form.setFields([...placed.values()]);
  if (!placed.size) return describeError(t, error);
  return rest.length ? rest.join('; ') : null;
}
