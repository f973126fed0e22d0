import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../api';
import { afterOperation, certificatesOperation, daysLeftColor, staleAfter } from './certificates';

describe('days left', () => {
  test('red within the warning window (and expired), orange within 90 days, green beyond', () => {
    const colours = [-5, 0, 30, 31, 90, 91, 36500].map((d) => daysLeftColor(d, 30));
    expect(colours).toEqual(['red', 'red', 'red', 'orange', 'orange', 'green', 'green']);
    // The window is the API's.
    expect(daysLeftColor(45, 60)).toBe('red');
  });
});

describe('reading the list again', () => {
  const op = (id: string, status: string) => ({ id, status });

  test('once the certificates operation seen under way has ended, not before, not for another one', () => {
    let step = afterOperation(null, op('op-7', 'queued'));
    expect(step).toEqual({ watch: 'op-7', refetch: false });
    step = afterOperation(step.watch, op('op-7', 'running'));
    expect(step).toEqual({ watch: 'op-7', refetch: false });
    for (const end of ['succeeded', 'failed', 'cancelled']) expect(afterOperation('op-7', op('op-7', end))).toEqual({ watch: null, refetch: true });
    // Found already ended (the page opened later): the list as fetched is current.
    expect(afterOperation(null, op('op-7', 'succeeded'))).toEqual({ watch: null, refetch: false });
    expect(afterOperation('op-7', op('op-8', 'succeeded')).refetch).toBe(false);
  });

  test('only check-certificates and renew-certificates are watched', () => {
    const ref = (kind: string) => ({ id: 'op-1', kind, status: 'running', phase: null, phases_done: 0, phases_total: 1 });
    expect(certificatesOperation(ref('check-certificates'))?.kind).toBe('check-certificates');
    expect(certificatesOperation(ref('renew-certificates'))?.kind).toBe('renew-certificates');
    expect(certificatesOperation(ref('deploy'))).toBeNull();
    expect(certificatesOperation(null)).toBeNull();
  });

  test('a 409 means the cluster must be read again; other refusals do not', () => {
    expect(staleAfter(new ApiError(409, { error: 'conflict', detail: 'busy' }))).toBe(true);
    expect(staleAfter(new ApiError(403, { error: 'forbidden', detail: 'no' }))).toBe(false);
    expect(staleAfter(new Error('x'))).toBe(false);
  });
});
