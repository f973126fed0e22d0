/** Which zone each VM goes to, as the API places them: round-robin over the zones in order, masters and workers each from the first. */
export function placeVms(zoneIds: string[], count: number): string[] {
  if (!zoneIds.length) return [];
  return Array.from({ length: count }, (_, i) => zoneIds[i % zoneIds.length]);
}

/** How many VMs each zone gets, in zone order: [[zone, count], ...]. */
export function countByZone(placement: string[]): [string, number][] {
  const counts = new Map<string, number>();
  placement.forEach((zone) => counts.set(zone, (counts.get(zone) ?? 0) + 1));
  return [...counts.entries()];
}
