import { createStore } from '../app/store';

export type LiveStatus = 'idle' | 'connecting' | 'open' | 'retrying' | 'revoked';
export const liveStatusStore = createStore<LiveStatus>('idle');
