/** Cinder's snapshot bodies, requests and replies, at /v2 and /v3 (fields of later microversions optional). */
import { Type } from '@sinclair/typebox';
import { NoBody, Nullable, StringMap, Timestamp } from './common.js';
import { ListingQuery, cinderErrors, cinderList } from './cinder-common.js';

export const SnapshotParams = Type.Object({ project_id: Type.String(), snapshot_id: Type.String() });
export const SnapshotItemParams = Type.Object({ project_id: Type.String(), snapshot_id: Type.String(), key: Type.String() });

/** The listing query with the filters snapshots take: exact, or fuzzy (`name~`) from 3.34. */
export const SnapshotListingQuery = Type.Object(
  {
    ...ListingQuery.properties,
    name: Type.Optional(Type.String()),
    display_name: Type.Optional(Type.String({ description: 'name, as older clients say it' })),
    status: Type.Optional(Type.String()),
    volume_id: Type.Optional(Type.String()),
    'name~': Type.Optional(Type.String({ description: 'part of the name (3.34)' })),
    'status~': Type.Optional(Type.String({ description: 'part of the status (3.34)' })),
    'volume_id~': Type.Optional(Type.String({ description: 'part of the volume id (3.34)' })),
    metadata: Type.Optional(Type.String({ description: 'a JSON object of metadata pairs to match' })),
    project_id: Type.Optional(Type.String({ description: 'with all_tenants: one project' })),
  },
  { additionalProperties: true },
);

/** What a listing shows of each snapshot; Cinder gives snapshots no links of their own. */
const SummaryFields = {
  id: Type.String(),
  name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  status: Type.String(),
  size: Type.Integer(),
  volume_id: Type.String(),
  metadata: StringMap,
  created_at: Timestamp,
  updated_at: Nullable(Timestamp),
};

export const SnapshotSummary = Type.Object(SummaryFields);

/** A snapshot as create and update answer it. */
const DetailFields = {
  ...SummaryFields,
  group_snapshot_id: Type.Optional(Type.Null({ description: '3.14' })),
  user_id: Type.Optional(Nullable(Type.String({ description: '3.41' }))),
};

export const SnapshotDetail = Type.Object(DetailFields);

/** Show and the detailed listing: with the extended attributes. */
export const SnapshotExtended = Type.Object({
  ...DetailFields,
  'os-extended-snapshot-attributes:project_id': Type.String(),
  'os-extended-snapshot-attributes:progress': Type.String({ description: '"NN%": as last reported, "100%" once available' }),
});

const Text = Type.Optional(Nullable(Type.String({ maxLength: 255 })));
const NameFields = { name: Text, description: Text, display_name: Text, display_description: Text };

export const CreateSnapshotBody = Type.Object({
  snapshot: Type.Object({
    volume_id: Nullable(Type.String({ description: 'required; null names no volume (404)' })),
    force: Type.Optional(Nullable(Type.Union([Type.Boolean(), Type.String()], { description: 'also of an attached (in-use) volume' }))),
    ...NameFields,
    metadata: Type.Optional(Nullable(StringMap)),
  }),
});

export const UpdateSnapshotBody = Type.Object({ snapshot: Type.Object(NameFields, { description: 'at least one of the names or descriptions' }) });

/** One action a call: the body's only key names it. */
export const SnapshotActionBody = Type.Union(
  [
    Type.Object({ 'os-reset_status': Type.Object({ status: Type.String({ description: "any of Cinder's snapshot statuses (administrators)" }) }) }),
    Type.Object({ 'os-force_delete': Nullable(Type.Object({})) }, { description: 'administrators' }),
    Type.Object(
      { 'os-update_snapshot_status': Type.Object({ status: Type.String(), progress: Type.Optional(Nullable(Type.String({ description: '"0%" to "100%"' }))) }) },
      { description: 'creating to creating, available or error; deleting to deleting or error_deleting' },
    ),
  ],
  { description: 'exactly one action' },
);

export const SnapshotReplies = {
  list: { 200: cinderList('snapshots', SnapshotSummary), ...cinderErrors },
  detail: { 200: cinderList('snapshots', SnapshotExtended), ...cinderErrors },
  created: { 202: Type.Object({ snapshot: SnapshotDetail }), ...cinderErrors },
  one: { 200: Type.Object({ snapshot: SnapshotExtended }), ...cinderErrors },
  updated: { 200: Type.Object({ snapshot: SnapshotDetail }), ...cinderErrors },
  accepted: { 202: NoBody, ...cinderErrors },
  metadata: { 200: Type.Object({ metadata: StringMap }), ...cinderErrors },
  metaItem: { 200: Type.Object({ meta: StringMap }), ...cinderErrors },
  deleted: { 200: NoBody, ...cinderErrors },
};
