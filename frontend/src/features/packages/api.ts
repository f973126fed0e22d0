import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';

export type OfflinePackage = Schemas['OfflinePackageOut'];
export type PackageDetail = Schemas['OfflinePackageDetail'];
export type Artifact = Schemas['Artifact'];
export type PackageStatus = OfflinePackage['status'];
export const ARTIFACT_KINDS: Artifact['kind'][] = ['binary', 'image', 'chart', 'deb', 'rpm', 'terraform-provider'];

export const packagesKey = ['offline-packages'] as const;
// How often a package being imported is looked at again; the import emits no event on the project stream.
export const IMPORT_POLL_MS = 1500;

export function usePackages(query: { status?: PackageStatus; limit: number; offset: number }) {
  return useQuery({
    queryKey: [...packagesKey, 'list', query],
    queryFn: () => call(api.GET('/api/v1/offline-packages', { params: { query } })),
    placeholderData: keepPreviousData,
    // While an import runs (started here or anywhere else) the list follows it.
    refetchInterval: (q) => (q.state.data?.items.some((p) => p.status === 'importing') ? IMPORT_POLL_MS : false),
  });
}

/** One package with its manifest; polled while it is being imported. */
export function usePackage(id: string | null | undefined, pollMs = IMPORT_POLL_MS) {
  return useQuery({
    queryKey: [...packagesKey, 'detail', id],
    queryFn: () => call(api.GET('/api/v1/offline-packages/{package_id}', { params: { path: { package_id: id ?? '' } } })),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data?.status === 'importing' ? pollMs : false),
  });
}

export function useImportPackage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['OfflinePackageImport']) => call(api.POST('/api/v1/offline-packages', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: packagesKey }),
  });
}

export function useDeletePackage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/offline-packages/{package_id}', { params: { path: { package_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: packagesKey }),
  });
}

export function useVersions() {
  return useQuery({
    queryKey: [...packagesKey, 'versions'],
    queryFn: () => call(api.GET('/api/v1/versions')),
  });
}
