/**
 * The audited actions (Security issue): who signed in or failed to, permission changes, review
 * decisions, exports, connector changes, report pushes and every deletion, plus the log's own
 * archive and purge. Adding an action is a code change on purpose: the vocabulary is the contract
 * auditors read.
 */
// No imports: the UI bundles this list too (audit page filter).
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'permission.change',
  'auth.password_change',
  'user.create',
  'user.update',
  'user.password_reset',
  'token.create',
  'token.revoke',
  'review.approve',
  'review.reject',
  'review.merge',
  'review.unmerge',
  'review.retire',
  'vocab.import',
  'vocab.undo',
  'vocab.term_approve',
  'vocab.term_reject',
  'data.import',
  'data.export',
  'connector.change',
  'llm.settings',
  'report.push',
  'data.delete',
  'source.upload',
  'source.delete',
  'job.retry',
  'job.cancel',
  'key.rotate',
  'audit.archive',
  'audit.purge',
] as const;
