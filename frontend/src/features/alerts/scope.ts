import type { Project } from '../../app/project';

/** Which project the alerts page shows, and what the caller may write there. */
export interface Scope {
  /** The project shown; absent: every project the caller may read. */
  projectId?: string;
  /** A project is chosen (or all are): the lists may load. */
  ready: boolean;
  /** Projects the caller manages: where silences and routes may be created. */
  writable: Project[];
  /** Whether to offer creating a silence or route here. */
  canCreate: boolean;
  canWriteIn: (projectId: string) => boolean;
}
