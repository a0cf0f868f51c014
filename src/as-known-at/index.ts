/** Reading the past: the object a reader asking for the latest at time T got (`marketlake get --as-known-at`). */
export {
  findAsKnownAt,
  findAsKnownAtInCatalog,
  findAsKnownAtInLake,
  getAsKnownAt,
  InvalidInstantError,
  parseInstant,
  type AsKnownAtQuery,
  type KnownObject,
} from './as-known-at.js';
