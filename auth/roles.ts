/**
 * Permissions and the role → permission table (security contract). `public` needs no login,
 * `authenticated` any signed-in user; the others are granted by role (and narrowed by token scopes).
 */
export const PERMISSIONS = [
  'public',
  'authenticated',
  'knowledge.read',
  'knowledge.review',
  'sources.manage',
  'jobs.manage',
  'exam.manage',
  'report.draft',
  'imaging.qc',
  'connectors.manage',
  /** Where connectors may connect (the target allow-list): admin only. */
  'connectors.allowlist',
  'admin.users',
  'admin.settings',
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Permissions a role can hold or a token can be scoped to (everything but the two pseudo-permissions). */
export const GRANTABLE: readonly Permission[] = PERMISSIONS.filter((p) => p !== 'public' && p !== 'authenticated');

export const ROLES = ['admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: GRANTABLE,
  director: ['knowledge.read', 'knowledge.review', 'sources.manage', 'jobs.manage', 'exam.manage', 'report.draft', 'imaging.qc', 'audit.read'],
  physician: ['knowledge.read', 'report.draft'],
  // Scan-protocol and image-quality QC is the technologists' and the director's department work (seed 000 §3).
  technician: ['knowledge.read', 'sources.manage', 'jobs.manage', 'imaging.qc', 'connectors.manage'],
  resident: ['knowledge.read'],
  teacher: ['knowledge.read', 'exam.manage'],
  expert: ['knowledge.read', 'knowledge.review'],
};

/** Role names shown to people (Chinese first). */
export const ROLE_LABELS: Record<Role, string> = {
  admin: '管理员 admin',
  director: '科主任 director',
  physician: '医师 physician',
  technician: '技师 technician',
  resident: '住院医师 resident',
  teacher: '教学老师 teacher',
  expert: '知识专家 expert',
};

export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** Does a principal holding `granted` satisfy `required`? (`public`/`authenticated` are checked by the caller.) */
export function allows(granted: readonly Permission[], required: Permission): boolean {
  if (required === 'public' || required === 'authenticated') return true;
  return granted.includes(required);
}
