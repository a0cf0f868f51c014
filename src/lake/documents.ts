// Moved to src/lake/formats/ (issue 11). Kept only while src/audit and test/audit import this path: delete it then.
export { PROCESSED_SCHEMAS } from './formats/processed.js';
export { sha256Hex } from './formats/render.js';
