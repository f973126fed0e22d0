// Alerts, the rule catalogue, silences and alert routes as the observability service serves them.
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api';
import { alertListKey, alertRoutesKey, alertRulesKey, alertsKey, silencesKey } from './live';

export type Alert = Schemas['AlertOut'];
export type AlertStatus = Alert['status'];
export type Severity = Alert['severity'];
export type Rule = Schemas['RuleOut'];
export type Silence = Schemas['SilenceOut'];
export type SilenceCreate = Schemas['SilenceCreate'];
export type Route = Schemas['RouteOut'];
export type RouteCreate = Schemas['RouteCreate'];
export type RouteUpdate = Schemas['RouteUpdate'];

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
export const SEVERITY_COLORS: Record<Severity, string> = { info: 'blue', warning: 'orange', critical: 'red' };

export interface AlertsQuery {
  projectId?: string;
  clusterId?: string;
  rule?: string;
  status?: AlertStatus;
  limit: number;
  offset: number;
}

export function useAlerts(query: AlertsQuery, enabled = true) {
  return useQuery({
    queryKey: [...alertListKey, query],
    queryFn: () =>
      call(
        api.GET('/api/v1/alerts', {
          params: {
            query: {
              project_id: query.projectId,
              cluster_id: query.clusterId,
              rule: query.rule,
              status: query.status,
              limit: query.limit,
              offset: query.offset,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** The built-in rules: a fixed catalogue, read once. */
export function useRules() {
  return useQuery({ queryKey: alertRulesKey, queryFn: () => call(api.GET('/api/v1/alert-rules')), staleTime: Infinity });
}

/** A rule's title in the console's language (its id while the catalogue loads or for an unknown rule). */
export function useRuleTitle(): (ruleId: string | null | undefined) => string {
  const { i18n } = useTranslation();
  const rules = useRules().data;
  const language = i18n.language === 'zh-CN' ? 'zh' : 'en';
  const byId = new Map((rules ?? []).map((r) => [r.id, r]));
  return (ruleId) => {
    if (!ruleId) return '';
    const title = byId.get(ruleId)?.title;
    return title?.[language] || title?.en || ruleId;
  };
}

export function useSilences(query: { projectId?: string; limit: number; offset: number }, enabled = true) {
  return useQuery({
    queryKey: [...silencesKey, 'list', query],
    queryFn: () => call(api.GET('/api/v1/silences', { params: { query: { project_id: query.projectId, limit: query.limit, offset: query.offset } } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useRoutes(query: { projectId?: string; limit: number; offset: number }, enabled = true) {
  return useQuery({
    queryKey: [...alertRoutesKey, 'list', query],
    queryFn: () => call(api.GET('/api/v1/alert-routes', { params: { query: { project_id: query.projectId, limit: query.limit, offset: query.offset } } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

function useInvalidating<A, R>(keys: QueryKey[], fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey }))),
  });
}

// A silence changes which alerts are silenced: the alerts refetch with the silences.
export const useCreateSilence = () =>
  useInvalidating([silencesKey, alertsKey], (body: SilenceCreate) => call(api.POST('/api/v1/silences', { body })));

export const useExpireSilence = () =>
  useInvalidating([silencesKey, alertsKey], (id: string) =>
    call(api.DELETE('/api/v1/silences/{silence_id}', { params: { path: { silence_id: id } } })),
  );

export const useCreateRoute = () =>
  useInvalidating([alertRoutesKey], (body: RouteCreate) => call(api.POST('/api/v1/alert-routes', { body })));

export const useUpdateRoute = () =>
  useInvalidating([alertRoutesKey], ({ id, body }: { id: string; body: RouteUpdate }) =>
    call(api.PATCH('/api/v1/alert-routes/{route_id}', { params: { path: { route_id: id } }, body })),
  );

export const useDeleteRoute = () =>
  useInvalidating([alertRoutesKey], (id: string) =>
    call(api.DELETE('/api/v1/alert-routes/{route_id}', { params: { path: { route_id: id } } })),
  );
