/**
 * The limits of `webrerank serve` from its flags, each falling back to its environment variable:
 * per key (rate, quotas, request size), for the whole server (queue), and per client address
 * (failed keys, and the proxies whose `X-Forwarded-For` says who the client is).
 */
import type { ServerLimits } from '../server/app.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../server/auth-failures.js';
import { UsageError, integerFlag, positiveFlag } from './usage.js';

/** The flags read here, as parseArgs gives them. */
export interface ServeLimitValues {
  'rate-limit'?: string | undefined;
  'rate-burst'?: string | undefined;
  'quota-requests'?: string | undefined;
  'quota-documents'?: string | undefined;
  'max-body-bytes'?: string | undefined;
  'max-documents'?: string | undefined;
  'max-document-characters'?: string | undefined;
  'max-total-characters'?: string | undefined;
  'max-pending'?: string | undefined;
  'busy-retry-after'?: string | undefined;
  'auth-failure-rate'?: string | undefined;
  'auth-failure-burst'?: string | undefined;
  'trusted-proxy'?: string[] | undefined;
}

/** The flags' parseArgs specs. */
export const SERVE_LIMIT_FLAGS = {
  'rate-limit': { type: 'string' },
  'rate-burst': { type: 'string' },
  'quota-requests': { type: 'string' },
  'quota-documents': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-documents': { type: 'string' },
  'max-document-characters': { type: 'string' },
  'max-total-characters': { type: 'string' },
  'max-pending': { type: 'string' },
  'busy-retry-after': { type: 'string' },
  'auth-failure-rate': { type: 'string' },
  'auth-failure-burst': { type: 'string' },
  'trusted-proxy': { type: 'string', multiple: true },
} as const;

type Setting = [flag: string, value: string];

/** Limits from flags, falling back to their environment variables. */
export function limitsFrom(values: ServeLimitValues, env: Record<string, string | undefined>): ServerLimits {
  const setting = (flag: keyof ServeLimitValues, variable: string): Setting | undefined => {
    const flagValue = values[flag];
    if (typeof flagValue === 'string') return [`--${flag}`, flagValue];
    const envValue = env[variable];
    return envValue !== undefined && envValue !== '' ? [variable, envValue] : undefined;
  };
  const limits: ServerLimits = {};
  const rate = setting('rate-limit', 'WEBRERANK_RATE_LIMIT');
  const burst = setting('rate-burst', 'WEBRERANK_RATE_BURST');
  if (rate) limits.rateLimit = { requestsPerSecond: positiveFlag(...rate), ...(burst ? { burst: integerFlag(...burst, 1) } : {}) };
  else if (burst) throw new UsageError('--rate-burst needs --rate-limit');
  const requests = setting('quota-requests', 'WEBRERANK_QUOTA_REQUESTS');
  const documents = setting('quota-documents', 'WEBRERANK_QUOTA_DOCUMENTS');
  if (requests || documents) {
    limits.quota = { ...(requests ? { requests: integerFlag(...requests, 0) } : {}), ...(documents ? { documents: integerFlag(...documents, 0) } : {}) };
  }
  const bodyBytes = setting('max-body-bytes', 'WEBRERANK_MAX_BODY_BYTES');
  if (bodyBytes) limits.maxBodyBytes = integerFlag(...bodyBytes, 1);
  if (values['max-documents'] !== undefined) limits.maxDocuments = integerFlag('--max-documents', values['max-documents'], 1);
  if (values['max-document-characters'] !== undefined) limits.maxDocumentCharacters = integerFlag('--max-document-characters', values['max-document-characters'], 1);
  if (values['max-total-characters'] !== undefined) limits.maxTotalCharacters = integerFlag('--max-total-characters', values['max-total-characters'], 1);
  const pending = setting('max-pending', 'WEBRERANK_MAX_PENDING');
  if (pending) limits.maxPending = integerFlag(...pending, 1);
  if (values['busy-retry-after'] !== undefined) limits.busyRetryAfterSeconds = integerFlag('--busy-retry-after', values['busy-retry-after'], 1);
  const failures = authFailureLimit(setting('auth-failure-rate', 'WEBRERANK_AUTH_FAILURE_RATE'), setting('auth-failure-burst', 'WEBRERANK_AUTH_FAILURE_BURST'));
  if (failures !== undefined) limits.authFailures = failures;
  return limits;
}

/**
 * The failed-key limit: unset (the server's default), `false` for a rate of 0 (off, e.g. when a
 * proxy in front limits instead), or a rate with an optional burst.
 */
function authFailureLimit(rate: Setting | undefined, burst: Setting | undefined): ServerLimits['authFailures'] {
  const perSecond = rate ? Number(rate[1]) : DEFAULT_AUTH_FAILURE_LIMIT.requestsPerSecond;
  if (rate && (rate[1].trim() === '' || !Number.isFinite(perSecond) || perSecond < 0)) {
    throw new UsageError(`${rate[0]} must be a number of at least 0 (0 turns the limit off), got "${rate[1]}"`);
  }
  if (perSecond === 0) {
    if (burst) throw new UsageError(`--auth-failure-burst means nothing with ${rate?.[0]} 0 (no limit)`);
    return false;
  }
  if (!rate && !burst) return undefined;
  return {
    requestsPerSecond: perSecond,
    burst: burst ? integerFlag(...burst, 1) : DEFAULT_AUTH_FAILURE_LIMIT.burst,
  };
}

/** `--trusted-proxy` (repeat or comma-separate), else WEBRERANK_TRUSTED_PROXIES. */
export function trustedProxiesFrom(values: ServeLimitValues, env: Record<string, string | undefined>): string[] {
  const given = values['trusted-proxy'] ?? (env.WEBRERANK_TRUSTED_PROXIES ? [env.WEBRERANK_TRUSTED_PROXIES] : []);
  return given.flatMap((value) => value.split(',')).map((address) => address.trim()).filter(Boolean);
}
