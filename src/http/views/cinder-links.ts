import type { Microversion } from '../microversion.js';

export interface CinderViewContext {
  publicUrl: string;
  projectId: string;
  version: Microversion;
  /** Cinder shows administrators attributes (host, tenant, migration) that others do not see. */
  admin: boolean;
}

/** All of a view context, as text: views kept between requests are kept under it (rendered-views.ts). */
export function contextKey(ctx: CinderViewContext): string {
  return `${ctx.publicUrl} ${ctx.projectId} ${ctx.version.major}.${ctx.version.minor} ${ctx.admin}`;
}

function apiPrefix(v: Microversion): string {
  return v.major === 2 ? 'v2' : 'v3';
}

/** The self and bookmark links Cinder puts on every resource. */
export function resourceLinks(ctx: CinderViewContext, collection: string, id: string) {
  return [
    { href: `${ctx.publicUrl}/${apiPrefix(ctx.version)}/${ctx.projectId}/${collection}/${id}`, rel: 'self' },
    { href: `${ctx.publicUrl}/${ctx.projectId}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

/** `<collection>_links` with a `next` link that continues after `marker`, keeping the other parameters. */
export function nextPageLinks(ctx: CinderViewContext, path: string, query: Record<string, unknown>, marker: string | undefined) {
  if (!marker) return undefined;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker' || k === 'offset' || v === undefined) continue;
    params.set(k, Array.isArray(v) ? String(v[v.length - 1]) : String(v));
  }
  params.set('marker', marker);
  return [{ href: `${ctx.publicUrl}/${apiPrefix(ctx.version)}/${ctx.projectId}/${path}?${params.toString()}`, rel: 'next' }];
}
