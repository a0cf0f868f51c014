// Moved to src/lake/formats/restatement.ts (issue 11). Kept only while src/audit imports this path: delete it then.
export { RESTATEMENT_PREFIX, RESTATEMENT_SCHEMA, type RestatementDocument } from '../lake/formats/restatement.js';
