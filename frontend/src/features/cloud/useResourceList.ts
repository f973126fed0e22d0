import { useState } from 'react';
import { useCurrentProject } from '../../app/project';

export const PAGE_SIZE = 20;

/** The text namespace of an inventory page: each has the same keys (title, intro, create, empty…, deleted…). */
export type Texts = 'regions' | 'zones' | 'plans' | 'ipPools';
/** The resource's word in test ids and the form's name: `region-create`, `regions-empty`, `region-submit`. */
export type Kind = 'region' | 'zone' | 'plan' | 'pool';

/** What an inventory list page keeps: its project, search, page and the create/edit dialog. */
export function useResourceList<T>() {
  const current = useCurrentProject();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<{ item?: T } | null>(null);
  return {
    current,
    projectId: current.project?.id,
    writer: current.canWrite,
    q,
    search: (value: string) => {
      setQ(value.trim());
      setPage(1);
    },
    /** A filter's setter that also goes back to the first page. */
    filterBy:
      <V>(set: (value: V) => void) =>
      (value: V) => {
        set(value);
        setPage(1);
      },
    page,
    setPage,
    range: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
    dialog,
    openCreate: () => setDialog({}),
    openEdit: (item: T) => setDialog({ item }),
    closeDialog: () => setDialog(null),
  };
}

export type ResourceList<T> = ReturnType<typeof useResourceList<T>>;
