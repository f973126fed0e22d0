import { createStore } from '../app/store';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'retrying';
export const liveStatusStore = createStore<LiveStatus>('idle');
