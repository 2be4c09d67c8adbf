/** Cinder's operator views of the back end at /v2 and /v3: os-services, os-hosts, pools, capabilities, zones, extensions, messages. */
import { Type } from '@sinclair/typebox';
import { Link, NoBody, Nullable, Timestamp, errorResponses } from './common.js';

export const ServicesQuery = Type.Object({
  host: Type.Optional(Type.String({ description: 'a host, also the host part of host@backend' })),
  binary: Type.Optional(Type.String({ description: 'cinder-scheduler, cinder-volume or cinder-backup' })),
});
export const ServiceActionParams = Type.Object({ project_id: Type.String(), action: Type.String({ description: 'enable, disable, disable-log-reason, freeze or thaw' }) });
export const ServiceActionBody = Type.Object({
  host: Type.String(),
  binary: Type.Optional(Type.String()),
  service: Type.Optional(Type.String({ description: 'the binary, by its old name' })),
  disabled_reason: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'disable-log-reason only' })),
});
export const HostParams = Type.Object({ project_id: Type.String(), host: Type.String() });
export const HostsQuery = Type.Object({ zone: Type.Optional(Type.String()) });
export const PoolsQuery = Type.Object({
  detail: Type.Optional(Type.String({ description: 'true: with each pool\'s capabilities' })),
  name: Type.Optional(Type.String()),
  volume_backend_name: Type.Optional(Type.String()),
});
export const MessageParams = Type.Object({ project_id: Type.String(), message_id: Type.String() });

const Service = Type.Object({
  binary: Type.String(),
  host: Type.String(),
  zone: Type.String(),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  state: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  updated_at: Timestamp,
  disabled_reason: Nullable(Type.String()),
  replication_status: Type.Optional(Type.String({ description: 'cinder-volume only' })),
  active_backend_id: Type.Optional(Type.Null({ description: 'cinder-volume only' })),
  frozen: Type.Optional(Type.Boolean({ description: 'cinder-volume only' })),
  cluster: Type.Optional(Type.Null({ description: 'from 3.7: no clusters' })),
  backend_state: Type.Optional(Type.String({ description: 'from 3.49, cinder-volume only' })),
});
const ServiceChange = Type.Object({
  host: Type.String(),
  service: Type.String(),
  binary: Type.String(),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  disabled: Type.Boolean(),
  disabled_reason: Type.Optional(Nullable(Type.String({ description: 'not in the answer to disable' }))),
});

const Host = Type.Object({
  host_name: Type.String(),
  service: Type.String(),
  zone: Type.String(),
  'service-status': Type.Union([Type.Literal('available'), Type.Literal('unavailable')]),
  'service-state': Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  'last-update': Nullable(Timestamp),
});
const HostResource = Type.Object({
  resource: Type.Object({
    host: Type.String(),
    project: Type.String({ description: "a project, or '(total)'" }),
    volume_count: Type.String(),
    total_volume_gb: Type.String(),
    snapshot_count: Type.String(),
    total_snapshot_gb: Type.String(),
  }),
});

const Capabilities = Type.Object({
  volume_backend_name: Type.String(),
  vendor_name: Type.String(),
  driver_version: Type.String(),
  storage_protocol: Type.String(),
  pool_name: Type.String(),
  total_capacity_gb: Type.Number({ description: "the data directory's file system" }),
  free_capacity_gb: Type.Number(),
  allocated_capacity_gb: Type.Number({ description: 'the size of every volume' }),
  reserved_percentage: Type.Integer(),
  max_over_subscription_ratio: Type.String(),
  thin_provisioning_support: Type.Boolean(),
  thick_provisioning_support: Type.Boolean(),
  QoS_support: Type.Boolean(),
  multiattach: Type.Boolean(),
  backend_state: Type.String(),
  timestamp: Timestamp,
});
const Pool = Type.Object({ name: Type.String(), capabilities: Type.Optional(Capabilities) });

const Property = Type.Object({ title: Type.String(), description: Type.String(), type: Type.String() });
const BackendCapabilities = Type.Object({
  namespace: Type.String(),
  volume_backend_name: Type.String(),
  pool_name: Nullable(Type.String()),
  driver_version: Type.String(),
  storage_protocol: Type.String(),
  vendor_name: Type.String(),
  display_name: Nullable(Type.String()),
  description: Nullable(Type.String()),
  visibility: Nullable(Type.String()),
  replication_targets: Type.Array(Type.String()),
  properties: Type.Record(Type.String(), Property),
});

const Zone = Type.Object({ zoneName: Type.String(), zoneState: Type.Object({ available: Type.Boolean() }) });

const Extension = Type.Object({
  name: Type.String(),
  alias: Type.String(),
  namespace: Type.String(),
  description: Type.String(),
  updated: Type.String(),
  links: Type.Array(Link, { maxItems: 0 }),
});

const Message = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  user_message: Type.String(),
  message_level: Type.String(),
  resource_type: Nullable(Type.String()),
  resource_uuid: Nullable(Type.String()),
  request_id: Type.String(),
  created_at: Timestamp,
  guaranteed_until: Timestamp,
  links: Type.Array(Link),
});

const cinderErrors = errorResponses('cinder');

export const BackendReplies = {
  services: { 200: Type.Object({ services: Type.Array(Service) }), ...cinderErrors },
  serviceChange: { 200: Type.Union([ServiceChange, NoBody], { description: 'the service as changed; nothing for freeze and thaw' }), ...cinderErrors },
  hosts: { 200: Type.Object({ hosts: Type.Array(Host) }), ...cinderErrors },
  host: { 200: Type.Object({ host: Type.Array(HostResource) }), ...cinderErrors },
  pools: { 200: Type.Object({ pools: Type.Array(Pool) }), ...cinderErrors },
  capabilities: { 200: BackendCapabilities, ...cinderErrors },
  zones: { 200: Type.Object({ availabilityZoneInfo: Type.Array(Zone) }), ...cinderErrors },
  extensions: { 200: Type.Object({ extensions: Type.Array(Extension) }), ...cinderErrors },
  messages: { 200: Type.Object({ messages: Type.Array(Message) }), ...cinderErrors },
  message: { 200: Type.Object({ message: Message }), ...cinderErrors },
  deleted: { 204: NoBody, ...cinderErrors },
};
