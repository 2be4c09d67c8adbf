/** Cinder's volume transfers (os-volume-transfer; volume-transfers from 3.55): bodies and replies. */
import { Type } from '@sinclair/typebox';
import { Link, NoBody, Nullable, Timestamp } from './common.js';
import { cinderErrors } from './cinder-common.js';

export const TransferParams = Type.Object({ project_id: Type.String(), transfer_id: Type.String() });

export const TransferListQuery = Type.Object(
  {
    all_tenants: Type.Optional(Type.String({ description: 'every project (administrators)' })),
    name: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String()),
    offset: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const TransferFields = {
  volume_id: Type.String(),
  name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
};

/** os-volume-transfer's body, at every microversion. */
export const CreateTransferBody = Type.Object({ transfer: Type.Object(TransferFields) });

/** volume-transfers' body: no_snapshots from 3.55. */
export const CreateTransferBodyV355 = Type.Object({
  transfer: Type.Object({ ...TransferFields, no_snapshots: Type.Optional(Type.Union([Type.Boolean(), Type.String()], { description: '3.55' })) }),
});

export const AcceptTransferBody = Type.Object({ accept: Type.Object({ auth_key: Type.Union([Type.String(), Type.Integer()]) }) });

const TransferSummary = Type.Object({ id: Type.String(), volume_id: Type.String(), name: Nullable(Type.String()), links: Type.Array(Link) });

const detailFields = {
  id: Type.String(),
  created_at: Timestamp,
  name: Nullable(Type.String()),
  volume_id: Type.String(),
  links: Type.Array(Link),
  no_snapshots: Type.Optional(Type.Boolean({ description: '3.55' })),
  destination_project_id: Type.Optional(Nullable(Type.String({ description: '3.57' }))),
  source_project_id: Type.Optional(Type.String({ description: '3.57' })),
  accepted: Type.Optional(Type.Boolean({ description: '3.57' })),
};

const TransferDetail = Type.Object(detailFields);
const CreatedTransfer = Type.Object({ ...detailFields, auth_key: Type.String({ description: 'shown only here, once' }) });

const links = Type.Optional(Type.Array(Link, { description: 'the next page, when there is one' }));

export const TransferReplies = {
  created: { 202: Type.Object({ transfer: CreatedTransfer }), ...cinderErrors },
  one: { 200: Type.Object({ transfer: TransferDetail }), ...cinderErrors },
  list: { 200: Type.Object({ transfers: Type.Array(TransferSummary), transfers_links: links }), ...cinderErrors },
  detail: { 200: Type.Object({ transfers: Type.Array(TransferDetail), transfers_links: links }), ...cinderErrors },
  accepted: { 202: Type.Object({ transfer: TransferSummary }), ...cinderErrors },
  deleted: { 202: NoBody, ...cinderErrors },
};
