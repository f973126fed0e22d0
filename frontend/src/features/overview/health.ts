import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { ApiError } from '../../api/errors';

// GET /api/v1/health has no response schema in the OpenAPI document; this is its shape.
export interface Check {
  status: string;
  detail?: string;
}
export interface ServiceHealth {
  status: string;
  detail?: string;
  checks?: Record<string, Check>;
}
export interface Health {
  status: 'ok' | 'degraded';
  services: Record<string, ServiceHealth>;
}

function isHealth(body: unknown): body is Health {
  return typeof body === 'object' && body !== null && 'status' in body && 'services' in body;
}

export async function fetchHealth(): Promise<Health> {
  // 503 still carries the full report: which service is down is the point.
  const { data, error, response } = await api.GET('/api/v1/health');
  const body: unknown = response.ok ? data : error;
  if (isHealth(body)) return body;
  throw new ApiError(response.status, body);
}

export function useHealth() {
  return useQuery({ queryKey: ['health'], queryFn: fetchHealth, refetchInterval: 15_000 });
}
