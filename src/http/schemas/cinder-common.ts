/** Pieces every Cinder-compatible route schema shares: the project in the path, listings, metadata, errors. */
import { Type, type TSchema } from '@sinclair/typebox';
import { Link, StringMap, errorResponses } from './common.js';

/** Every route of a project: its id in the path (also the VBS, policy, sharing and CBR routes'). */
export const ProjectParams = Type.Object({ project_id: Type.String() });

/** The paging and filtering query of Cinder listings (filters beyond these are the listing's own). */
export const ListingQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ description: 'page size, at most 1000' })),
    marker: Type.Optional(Type.String({ description: 'id of the last item of the previous page' })),
    offset: Type.Optional(Type.String()),
    sort: Type.Optional(Type.String({ description: 'key[:asc|desc][,key...]' })),
    sort_key: Type.Optional(Type.String()),
    sort_dir: Type.Optional(Type.String()),
    all_tenants: Type.Optional(Type.String({ description: 'every project (administrators)' })),
    with_count: Type.Optional(Type.String({ description: 'add the total count (3.45)' })),
  },
  { additionalProperties: true },
);

/** A listing's items under `collection`, its next page under `<collection>_links`, and with_count's total. */
export function cinderList<C extends string, T extends TSchema>(collection: C, item: T) {
  return Type.Object({
    [collection]: Type.Array(item),
    [`${collection}_links`]: Type.Optional(Type.Array(Link, { description: 'the next page, when there is one' })),
    count: Type.Optional(Type.Integer({ description: 'with_count (3.45)' })),
  });
}

export const MetadataBody = Type.Object({ metadata: StringMap });
export const MetaItemBody = Type.Object({ meta: StringMap });

export const cinderErrors = errorResponses('cinder');
