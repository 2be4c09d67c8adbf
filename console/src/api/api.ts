import type { ApiClient } from './client.js';

/** What every family's helpers take: the logged-in client and the token's project. */
export interface Api {
  client: ApiClient;
  projectId: string;
}

/** A page of a listing: its items and, where the API counts them, the total. */
export interface Page<T> {
  items: T[];
  count?: number;
}
