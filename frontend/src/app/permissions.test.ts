import { expect, test } from 'vitest';
import { asAdmin, asManager, asReader, PROJECT_ID } from '../test/fixtures';
import { canWrite, roleIn } from './permissions';

test('roles and write rights per project', () => {
  expect(roleIn(asAdmin(), 'any')).toBe('admin');
  expect(canWrite(asAdmin(), 'any')).toBe(true);
  expect(roleIn(asManager(), PROJECT_ID)).toBe('project-manager');
  expect(canWrite(asManager(), PROJECT_ID)).toBe(true);
  expect(canWrite(asManager(), 'other')).toBe(false);
  expect(roleIn(asReader(), PROJECT_ID)).toBe('read-only');
  expect(canWrite(asReader(), PROJECT_ID)).toBe(false);
  expect(canWrite(null, PROJECT_ID)).toBe(false);
});
