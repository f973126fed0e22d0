export const membersKey = (projectId: string) => ['members', projectId] as const;
