import type { CreateVolumeType, EditVolumeType, EncryptionSettings } from '../../services/volumes/volume-types.js';
import { CreateTypeBody, ExtraSpecsBody, UpdateTypeBody } from '../schemas/cinder-types.js';
import { bad, bodyObject, booleanOf, optionalText, refuseUnknownCinderKeys } from './common.js';

/** Extra specs: string values under keys of 1 to 255 characters without spaces, as Cinder's schema wants. */
function specsOf(raw: unknown): Record<string, string> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('extra_specs must be an object of string keys and values.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[^\s]{1,255}$/.test(k)) throw bad(`extra_specs key ${JSON.stringify(k)} must be 1 to 255 characters without spaces.`);
    // Cinder takes numbers and booleans too and keeps them as text.
    if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else if (typeof v === 'string' && v.length <= 255) out[k] = v;
    else throw bad(`extra_specs value of ${JSON.stringify(k)} must be a string of at most 255 characters.`);
  }
  return out;
}

function typeName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim().length === 0 || raw.length > 255) throw bad('Volume type name can not be empty and must be at most 255 characters.');
  return raw.trim();
}

/** POST /types. */
export function createTypeRequest(body: unknown): CreateVolumeType {
  refuseUnknownCinderKeys(body, CreateTypeBody, 'volume_type');
  const t = bodyObject(body, 'volume_type');
  const access = t['os-volume-type-access:is_public'];
  return {
    name: typeName(t.name),
    description: optionalText(t, 'description') ?? null,
    isPublic: access === undefined ? true : booleanOf(access, 'os-volume-type-access:is_public'),
    extraSpecs: t.extra_specs === undefined || t.extra_specs === null ? {} : specsOf(t.extra_specs),
  };
}

/** PUT /types/{id}: at least one of name, description, is_public. */
export function updateTypeRequest(body: unknown): EditVolumeType {
  refuseUnknownCinderKeys(body, UpdateTypeBody, 'volume_type');
  const t = bodyObject(body, 'volume_type');
  const out: EditVolumeType = {};
  if (t.name !== undefined && t.name !== null) out.name = typeName(t.name);
  const description = optionalText(t, 'description');
  if (description !== undefined) out.description = description;
  if (t.is_public !== undefined && t.is_public !== null) out.isPublic = booleanOf(t.is_public, 'is_public');
  if (out.name === undefined && description === undefined && out.isPublic === undefined) throw bad('Specify volume type name, description, is_public or a combination thereof.');
  return out;
}

/** POST /types/{id}/extra_specs. */
export function extraSpecsRequest(body: unknown): Record<string, string> {
  refuseUnknownCinderKeys(body, ExtraSpecsBody, 'extra_specs', false);
  const specs = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).extra_specs : undefined;
  if (specs === undefined) throw bad("Missing required element 'extra_specs' in request body.");
  return specsOf(specs);
}

/** PUT /types/{id}/extra_specs/{key}: one spec, under the key of the path. */
export function oneSpecRequest(body: unknown, key: string): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('The body must be an object of one extra spec.');
  const specs = specsOf(body);
  if (Object.keys(specs).length !== 1) throw bad('The body must hold exactly one extra spec.');
  if (!(key in specs)) throw bad('Request body and URI mismatch');
  return specs;
}

/** addProjectAccess / removeProjectAccess of POST /types/{id}/action. */
export function typeAccessAction(body: unknown): { action: 'add' | 'remove'; projectId: string } {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const action = 'addProjectAccess' in b ? 'add' : 'removeProjectAccess' in b ? 'remove' : undefined;
  if (!action) throw bad('The action must be addProjectAccess or removeProjectAccess.');
  const inner = bodyObject(b, action === 'add' ? 'addProjectAccess' : 'removeProjectAccess');
  if (typeof inner.project !== 'string' || inner.project.length === 0) throw bad('Access to a volume type needs a project.');
  return { action, projectId: inner.project };
}

const LOCATIONS = ['front-end', 'back-end'] as const;

/** POST and PUT /types/{id}/encryption[/provider]: `provider` is needed to create. */
export function encryptionRequest(body: unknown, create: boolean): EncryptionSettings {
  const e = bodyObject(body, 'encryption');
  const out: EncryptionSettings = {};
  for (const k of Object.keys(e)) {
    if (!['provider', 'cipher', 'key_size', 'control_location'].includes(k)) throw bad(`Invalid input: encryption has no field ${JSON.stringify(k)}.`);
  }
  if (e.provider !== undefined) {
    if (typeof e.provider !== 'string' || e.provider.length === 0 || e.provider.length > 255) throw bad('provider must be a non-empty string.');
    out.provider = e.provider;
  } else if (create) throw bad('provider must be specified.');
  const cipher = optionalText(e, 'cipher');
  if (cipher !== undefined) out.cipher = cipher;
  if (e.key_size !== undefined) {
    const n = typeof e.key_size === 'string' && /^\d+$/.test(e.key_size) ? Number(e.key_size) : e.key_size;
    if (n !== null && (typeof n !== 'number' || !Number.isInteger(n) || n < 0)) throw bad('key_size must be a non-negative whole number.');
    out.keySize = n;
  }
  if (e.control_location !== undefined) {
    const loc = LOCATIONS.find((l) => l === e.control_location);
    if (!loc) throw bad("control_location must be 'front-end' or 'back-end'.");
    out.controlLocation = loc;
  }
  return out;
}
