/** Cinder's volume types at /v2 and /v3: types, extra specs, project access, encryption. */
import { Type } from '@sinclair/typebox';
import { NoBody, Nullable, StringMap, Timestamp, errorResponses } from './common.js';

export const TypeParams = Type.Object({ project_id: Type.String(), type_id: Type.String({ description: 'a type id or name' }) });
export const SpecParams = Type.Object({ project_id: Type.String(), type_id: Type.String(), key: Type.String({ description: 'an extra spec key' }) });
export const EncryptionKeyParams = Type.Object({ project_id: Type.String(), type_id: Type.String(), key: Type.String({ description: 'an encryption setting: provider, cipher, key_size or control_location' }) });
export const TypeListQuery = Type.Object({ is_public: Type.Optional(Type.String({ description: 'administrators: true (default) public and granted types, false private ones, none every type' })) });

const Base = {
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  is_public: Type.Boolean(),
  extra_specs: Type.Optional(StringMap),
};
const AccessIsPublic = { 'os-volume-type-access:is_public': Type.Boolean({ description: 'the same as is_public' }) };

/** What show and list answer; extra specs other projects see are Cinder's user-visible ones. */
export const VolumeType = Type.Object({ ...Base, ...AccessIsPublic, qos_specs_id: Type.Optional(Nullable(Type.String({ description: 'administrators only; always null: no QoS' }))) });
const CreatedType = Type.Object({ ...Base, ...AccessIsPublic });
const UpdatedType = Type.Object(Base);

export const CreateTypeBody = Type.Object({
  volume_type: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    extra_specs: Type.Optional(Nullable(StringMap)),
    'os-volume-type-access:is_public': Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  }),
});
export const UpdateTypeBody = Type.Object({
  volume_type: Type.Object({
    name: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    is_public: Type.Optional(Type.Union([Type.Boolean(), Type.String()])),
  }),
});
export const ExtraSpecsBody = Type.Object({ extra_specs: StringMap });
export const OneSpecBody = Type.Record(Type.String(), Type.String(), { description: 'exactly the key of the path', minProperties: 1, maxProperties: 1 });
export const TypeActionBody = Type.Object({
  addProjectAccess: Type.Optional(Type.Object({ project: Type.String() })),
  removeProjectAccess: Type.Optional(Type.Object({ project: Type.String() })),
});

const EncryptionSettings = {
  key_size: Type.Optional(Nullable(Type.Integer())),
  provider: Type.Optional(Type.String()),
  control_location: Type.Optional(Type.Union([Type.Literal('front-end'), Type.Literal('back-end')])),
  cipher: Type.Optional(Nullable(Type.String())),
};
export const EncryptionBody = Type.Object({ encryption: Type.Object(EncryptionSettings) });

const Encryption = Type.Object({
  volume_type_id: Type.String(),
  encryption_id: Type.String(),
  key_size: Nullable(Type.Integer()),
  provider: Type.String(),
  control_location: Type.Union([Type.Literal('front-end'), Type.Literal('back-end')]),
  cipher: Nullable(Type.String()),
});
const EncryptionShown = Type.Union([
  Type.Object({ ...Encryption.properties, deleted: Type.Boolean(), created_at: Timestamp, updated_at: Nullable(Timestamp), deleted_at: Type.Null() }),
  Type.Object({}, { additionalProperties: false, description: 'the type has no encryption' }),
]);

const cinderErrors = errorResponses('cinder');

export const VolumeTypeReplies = {
  list: { 200: Type.Object({ volume_types: Type.Array(VolumeType) }), ...cinderErrors },
  one: { 200: Type.Object({ volume_type: VolumeType }), ...cinderErrors },
  created: { 200: Type.Object({ volume_type: CreatedType }), ...cinderErrors },
  updated: { 200: Type.Object({ volume_type: UpdatedType }), ...cinderErrors },
  accepted: { 202: NoBody, ...cinderErrors },
  specs: { 200: Type.Object({ extra_specs: StringMap }), ...cinderErrors },
  spec: { 200: StringMap, ...cinderErrors },
  access: { 200: Type.Object({ volume_type_access: Type.Array(Type.Object({ volume_type_id: Type.String(), project_id: Type.String() })) }), ...cinderErrors },
  encryption: { 200: EncryptionShown, ...cinderErrors },
  encryptionCreated: { 200: Type.Object({ encryption: Encryption }), ...cinderErrors },
  encryptionUpdated: { 200: Type.Object({ encryption: Type.Object(EncryptionSettings) }), ...cinderErrors },
  encryptionItem: { 200: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer(), Type.Null()])), ...cinderErrors },
};
