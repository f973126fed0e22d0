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

/**
 * Puts the API's field errors on the form's own fields (422 `fields`, or `field` on other errors).
 * Returns the sentence to show above the form for what no field could take, or null.
 */
export function applyApiError(form: FormInstance, error: unknown, fields: readonly string[], t: TFunction): string | null {
  if (!(error instanceof ApiError)) return describeError(t, error);
  const placed: { name: string; errors: string[] }[] = [];
  const rest: string[] = [];
  for (const { field, message } of error.fieldErrors()) {
    const name = field.replace(/^body\./, '');
    if (fields.includes(name)) placed.push({ name, errors: [message] });
    else rest.push(field ? `${field}: ${message}` : message);
  }
  if (placed.length) form.setFields(placed);
  if (!placed.length) return describeError(t, error);
  return rest.length ? rest.join('; ') : null;
}
