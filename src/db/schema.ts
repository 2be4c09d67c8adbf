
/**
 * Table shapes shared by SQLite and PostgreSQL. Times are ISO 8601 UTC strings, booleans are
 * 0/1 integers and structured values JSON text, so both engines store the same thing.
 */
export interface DomainTable {
  id: string;
  name: string;
  enabled: number;
  created_at: string;
}

export interface ProjectTable {
  id: string;
  name: string;
  domain_id: string;
  description: string;
  enabled: number;
  created_at: string;
  /** JSON array of strings. */
  tags: string;
}

export interface UserTable {
  id: string;
  name: string;
  domain_id: string;
  /** Empty for a user created without a password: no password matches it. */
  password_hash: string;
  default_project_id: string | null;
  enabled: number;
  created_at: string;
  email: string | null;
  description: string | null;
}

/** Custom roles; the built-in admin, member and reader have no row. */
export interface RoleTable {
  id: string;
  name: string;
  description: string | null;
  created_at: string;
}

export interface RoleAssignmentTable {
  user_id: string;
  project_id: string;
  /** A built-in role's derived id or a custom role's row id. */
  role_id: string;
}

export interface TokenTable {
  /** SHA-256 of the token: a database leak yields no usable token. */
  token_hash: string;
  audit_id: string;
  user_id: string;
  project_id: string | null;
  methods: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  /** The audit id of the token its chain began with; null: this token began it. */
  audit_chain_id: string | null;
  /** The domain of a domain-scoped token. */
  domain_id: string | null;
}

export interface DomainRoleAssignmentTable {
  user_id: string;
  domain_id: string;
  role_id: string;
}

/** A used signature of a mutating AK/SK request, kept until it expires (migration 0080). */
export interface AkskSignatureTable {
  /** SHA-256 of the signature's bytes. */
  signature_hash: string;
  expires_at: string;
}

export interface CredentialTable {
  access_key: string;
  secret_key: string;
  user_id: string;
  project_id: string;
  created_at: string;
  /** active or inactive: an inactive key signs nothing (migration 0111). */
  status?: string;
  description?: string;
}

export interface VolumeTable {
  id: string;
  project_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  volume_type: string;
  availability_zone: string;
  bootable: number;
  encrypted: number;
  multiattach: number;
  metadata: string;
  snapshot_id: string | null;
  source_volid: string | null;
  backup_id: string | null;
  attachments: string;
  created_at: string;
  updated_at: string | null;
  user_id: string | null;
  /** Set only by an administrator's os-reset_status; null otherwise. */
  migration_status?: string | null;
}

export interface SnapshotTable {
  id: string;
  project_id: string;
  volume_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  metadata: string;
  created_at: string;
  updated_at: string | null;
  user_id: string | null;
  /** The volume's type when the snapshot was taken: per-type snapshot quotas count it. */
  volume_type: string | null;
  /** "NN%" as Cinder shows it; null on rows older than the column (see 0060). */
  progress: string | null;
}

/** One row per project; updating it inside a transaction serialises that project's quota checks. */
export interface QuotaLockTable {
  project_id: string;
  generation: number;
}

export interface QuotaTable {
  project_id: string;
  resource: string;
  hard_limit: number;
}

export interface JobTable {
  id: string;
  project_id: string;
  job_type: string;
  /** INIT, RUNNING, SUCCESS or FAIL. */
  status: string;
  parent_id: string | null;
  /** What the handler needs to run the job; never shown to users. */
  payload: string;
  entities: string;
  error_code: string | null;
  fail_reason: string | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  run_after: string;
  created_at: string;
  begin_time: string | null;
  end_time: string | null;
  /** 0-100 for the kinds that report progress; null for the others and before a job starts. */
  progress: number | null;
}

/** Backups per project, kept by triggers (migration 0140). */
export interface BackupCountTable {
  project_id: string;
  backups: number | string;
}

export interface BackupTable {
  id: string;
  project_id: string;
  volume_id: string;
  snapshot_id: string | null;
  name: string | null;
  description: string | null;
  status: string;
  fail_reason: string | null;
  /** GiB of the source volume. */
  size: number;
  object_count: number | null;
  container: string | null;
  availability_zone: string | null;
  metadata: string;
  /** VBS tags: JSON list of {key, value}. */
  tags: string;
  is_incremental: number;
  /** Engine statistics (progress, Type, AT, SS, CS ...), shown as the service_metadata string. */
  service_metadata: string;
  /** What a restore gives the target volume: the source's bootable flag, type and metadata. */
  volume_bootable: number;
  volume_type: string | null;
  volume_metadata: string;
  /** The policy whose run made this backup; null for a manual backup. */
  policy_id: string | null;
  data_timestamp: string | null;
  created_at: string;
  updated_at: string | null;
  /** Bytes of the volume image the backup holds; null on rows older than migration 0110. */
  bytes_logical?: number | null;
  /** Bytes the backup added to the store after dedup and compression; null likewise. */
  bytes_stored?: number | null;
  /** A random tag every write of the row changes (migration 0150): what a kept rendering of the backup is keyed by. */
  revision: number;
}

export interface BackupPolicyTable {
  id: string;
  project_id: string;
  name: string;
  /** ON or OFF. */
  status: string;
  /** UTC full hours as given, comma separated: "22:00,00:00,02:00". */
  start_time: string;
  /** Days between runs; null when week_frequency is set. */
  frequency: number | null;
  /** Comma list of SUN..SAT in the order given; null when frequency is set. */
  week_frequency: string | null;
  rentention_num: number | null;
  rentention_day: number | null;
  remain_first_backup_of_cur_month: number;
  /** UTC+HH:mm or UTC-HH:mm. */
  time_zone: string;
  created_at: string;
  updated_at: string | null;
}

/** A volume belongs to at most one policy: resource_id is the key. */
export interface BackupPolicyResourceTable {
  policy_id: string;
  resource_id: string;
  resource_type: string;
  project_id: string;
  created_at: string;
}

export interface BackupPolicyTagTable {
  policy_id: string;
  key: string;
  value: string;
}

/** A backup shared by its owner's project with one other project. */
export interface BackupShareTable {
  id: string;
  backup_id: string;
  from_project_id: string;
  to_project_id: string;
  created_at: string;
  updated_at: string | null;
}

/** Scheduler state of one policy; its row is the lock every change of the policy's runs takes first. */
export interface PolicyScheduleTable {
  policy_id: string;
  /** Slots up to here are handled (run, skipped, or before the policy was on). */
  checked_until: string;
  generation: number;
}

/** One run of a policy: a scheduled slot (ISO instant) or a manual run ("manual:<uuid>"). */
export interface PolicyRunTable {
  id: string;
  policy_id: string;
  project_id: string;
  slot: string;
  /** RUNNING, DONE or SKIPPED. */
  status: string;
  /** The job that backs up the policy's volumes; null for a skipped slot. */
  job_id: string | null;
  created_at: string;
  finished_at: string | null;
}

/** One volume's backup in a run, as GET backuptasks shows it. */
export interface PolicyTaskTable {
  id: string;
  run_id: string;
  policy_id: string;
  project_id: string;
  resource_id: string;
  resource_type: string;
  backup_name: string | null;
  backup_id: string | null;
  /** The run's job (queryable); backup_job_id is the volume's backup job, one of its sub-jobs. */
  vbs_job_id: string | null;
  backup_job_id: string | null;
  /** WAITING, RUNNING, EXECUTE_SUCCESS, EXECUTE_FAIL, EXECUTE_TIMEOUT or SKIP. */
  status: string;
  message: string | null;
  /** The error code of a failed task (e.g. its backup job's), null otherwise. */
  code: string | null;
  created_at: string;
  finished_at: string | null;
}

/** A volume offered to another project; accepted ones stay as history, hidden from the API. */
export interface VolumeTransferTable {
  id: string;
  volume_id: string;
  name: string | null;
  salt: string;
  /** HMAC-SHA1 of the auth key, keyed by the salt, hex (Cinder's scheme). */
  crypt_hash: string;
  no_snapshots: number;
  source_project_id: string;
  destination_project_id: string | null;
  accepted: number;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeTypeTable {
  id: string;
  name: string;
  description: string | null;
  is_public: number;
  /** SATA, SAS and SSD: they exist on every installation and cannot be deleted. */
  built_in: number;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeTypeExtraSpecTable {
  type_id: string;
  spec_key: string;
  spec_value: string;
}

/** The projects that may see and use a private volume type. */
export interface VolumeTypeAccessTable {
  type_id: string;
  project_id: string;
}

/** A volume type's encryption settings, recorded as given (the service does not encrypt). */
export interface VolumeTypeEncryptionTable {
  type_id: string;
  encryption_id: string;
  provider: string;
  cipher: string | null;
  key_size: number | null;
  control_location: string;
  created_at: string;
  updated_at: string | null;
}

/** Limits of a quota class ('default' gives every project's defaults), over the VBS_QUOTA_* settings. */
export interface QuotaClassTable {
  class_name: string;
  resource: string;
  hard_limit: number;
}

/** The services of os-services on this host: whether enabled or frozen, and their heartbeat. */
export interface VolumeServiceTable {
  binary: string;
  host: string;
  disabled: number;
  disabled_reason: string | null;
  frozen: number;
  created_at: string;
  updated_at: string | null;
}

/** The readiness check's write probe: one row per serving process. */
export interface ReadinessProbeTable {
  holder: string;
  checked_at: string;
}

/** What a failed asynchronous operation tells its project (Cinder's user messages, 3.3). */
export interface UserMessageTable {
  id: string;
  project_id: string;
  request_id: string;
  resource_type: string | null;
  resource_uuid: string | null;
  event_id: string;
  message_level: string;
  action_id: string;
  detail_id: string;
  created_at: string;
  expires_at: string;
}

export interface Database {
  domains: DomainTable;
  projects: ProjectTable;
  users: UserTable;
  roles: RoleTable;
  role_assignments: RoleAssignmentTable;
  domain_role_assignments: DomainRoleAssignmentTable;
  tokens: TokenTable;
  credentials: CredentialTable;
  aksk_signatures: AkskSignatureTable;
  volumes: VolumeTable;
  snapshots: SnapshotTable;
  quotas: QuotaTable;
  quota_locks: QuotaLockTable;
  jobs: JobTable;
  backups: BackupTable;
  backup_counts: BackupCountTable;
  backup_policies: BackupPolicyTable;
  backup_policy_resources: BackupPolicyResourceTable;
  backup_policy_tags: BackupPolicyTagTable;
  policy_schedules: PolicyScheduleTable;
  policy_runs: PolicyRunTable;
  policy_tasks: PolicyTaskTable;
  backup_shares: BackupShareTable;
  volume_transfers: VolumeTransferTable;
  volume_types: VolumeTypeTable;
  volume_type_extra_specs: VolumeTypeExtraSpecTable;
  volume_type_access: VolumeTypeAccessTable;
  volume_type_encryption: VolumeTypeEncryptionTable;
  quota_classes: QuotaClassTable;
  volume_services: VolumeServiceTable;
  user_messages: UserMessageTable;
  readiness_probes: ReadinessProbeTable;
}
