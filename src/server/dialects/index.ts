/** Every dialect the server speaks, each on its own route. */
import type { Dialect } from './dialect.js';
import { cohereV2Dialect } from './cohere-v2.js';
import { hostedDialect } from './hosted.js';
import { teiDialect } from './tei.js';

export type { Dialect, DialectContext, DialectRequest, RenderContext } from './dialect.js';
export { hostedErrorSchema } from './hosted-error.js';

export const DIALECTS: readonly Dialect[] = [hostedDialect, cohereV2Dialect, teiDialect];
