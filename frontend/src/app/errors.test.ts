import { expect, test, vi } from 'vitest';
import type { FormInstance } from 'antd';
import type { TFunction } from 'i18next';
import { ApiError } from '../api';
import { applyApiError, toNamePath } from './errors';

const t = ((key: string) => key) as unknown as TFunction;

function fakeForm() {
  const setFields = vi.fn();
  return { form: { setFields } as unknown as FormInstance, setFields };
}

test('API field paths become form name paths', () => {
  expect(toNamePath('name')).toEqual(['name']);
  expect(toNamePath('body.provider_settings.datastore')).toEqual(['provider_settings', 'datastore']);
  expect(toNamePath('ranges[1].start')).toEqual(['ranges', 1, 'start']);
  expect(toNamePath('zone_ids[0]')).toEqual(['zone_ids', 0]);
});

test('nested errors land on their field, indexes through [] patterns, the rest on the nearest parent', () => {
  const { form, setFields } = fakeForm();
  const error = new ApiError(422, {
    error: 'validation_error',
    detail: 'x',
    fields: [
      { field: 'ranges[1].start', message: 'outside the subnet' },
      { field: 'provider_settings.datastore', message: 'required' },
      { field: 'zone_ids[0]', message: 'no zone z-9' },
      { field: 'unknown', message: 'odd' },
    ],
  });
  const rest = applyApiError(form, error, ['ranges[].start', 'provider_settings.datastore', 'zone_ids'], t);
  expect(setFields).toHaveBeenCalledWith([
    { name: ['ranges', 1, 'start'], errors: ['outside the subnet'] },
    { name: ['provider_settings', 'datastore'], errors: ['required'] },
    { name: ['zone_ids'], errors: ['no zone z-9'] },
  ]);
  expect(rest).toBe('unknown: odd');
});

test('flat names work as before', () => {
  const { form, setFields } = fakeForm();
  const rest = applyApiError(form, new ApiError(409, { error: 'conflict', detail: 'overlaps', field: 'subnet' }), ['subnet'], t);
  expect(setFields).toHaveBeenCalledWith([{ name: ['subnet'], errors: ['overlaps'] }]);
  expect(rest).toBeNull();
});
