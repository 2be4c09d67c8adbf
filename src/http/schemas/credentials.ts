/**
 * IAM's permanent access keys (OS-CREDENTIAL) at /identity/v3.0: the bodies and replies of
 * Huawei Cloud IAM's CreatePermanentAccessKey, ListPermanentAccessKeys, ShowPermanentAccessKey,
 * UpdatePermanentAccessKey and DeletePermanentAccessKey, errors in the identity envelope.
 */
import { Type } from '@sinclair/typebox';
import { CREDENTIAL_STATUSES } from '../../services/identity/credential-repository.js';
import { NoBody, Timestamp, errorResponses } from './common.js';

const Status = Type.Union(CREDENTIAL_STATUSES.map((s) => Type.Literal(s)), { description: 'an inactive key signs nothing' });
const Description = Type.String({ maxLength: 255 });

export const CredentialCreateBody = Type.Object({
  credential: Type.Object({
    user_id: Type.String({ description: 'the user the key is for: the caller itself, or anyone for a cloud administrator' }),
    description: Type.Optional(Description),
    project_id: Type.Optional(Type.String({ description: "this service's addition: the project the key acts in (default: the user's default project)" })),
  }),
});

export const CredentialUpdateBody = Type.Object({
  credential: Type.Object({ status: Type.Optional(Status), description: Type.Optional(Description) }, { minProperties: 1 }),
});

export const CredentialsQuery = Type.Object({ user_id: Type.Optional(Type.String({ description: "whose keys (default: the caller's)" })) });
export const CredentialParams = Type.Object({ access: Type.String({ description: 'the access key (AK)' }) });

const credentialFields = {
  access: Type.String({ description: 'the access key (AK)' }),
  status: Status,
  user_id: Type.String(),
  create_time: Timestamp,
  description: Type.String(),
  project_id: Type.String({ description: "this service's addition: the project the key acts in" }),
};

const Credential = Type.Object(credentialFields);
const NewCredential = Type.Object({ ...credentialFields, secret: Type.String({ description: 'the secret key (SK): shown in this reply only' }) });

const errors = errorResponses('identity');

export const CredentialReplies = {
  created: { 201: Type.Object({ credential: NewCredential }), ...errors },
  list: { 200: Type.Object({ credentials: Type.Array(Credential) }), ...errors },
  one: { 200: Type.Object({ credential: Credential }), ...errors },
  deleted: { 204: NoBody, ...errors },
};
